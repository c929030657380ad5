using System.Diagnostics.Metrics;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Live;
using MediaCluster.Actors.Speech;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MediaCluster.Node;

/// <summary>
/// The node's metrics as one <see cref="Meter"/>, exported at /metrics in Prometheus text by OpenTelemetry's exporter:
/// jobs by state (the index's counts), the ASR slots, queue and real-time factor, the VAD slots, live sessions and
/// streams. The instruments observe the node's own counters (<see cref="AsrMetrics"/>, <see cref="VadMetrics"/>,
/// <see cref="LiveMetrics"/> — kept because the cluster view's status reports read them too); the cluster-wide job
/// counts come from the index every two seconds (<see cref="JobGauges"/>), so a scrape asks no actor.
/// </summary>
internal sealed class NodeMeters
{
    public const string MeterName = "MediaCluster.Node";

    public NodeMeters(IMeterFactory meters, Own own, JobGauges jobs, ClusterGateway cluster, AsrMetrics asr, VadMetrics vad, LiveMetrics live, NodeHealth health)
    {
        var meter = own.Meter = meters.Create(MeterName);
        meter.CreateObservableGauge("mediacluster_jobs", jobs.ByState, description: "Jobs of the cluster by state (running: registered and not ended).");
        meter.CreateObservableGauge("mediacluster_jobs_quarantined", () => jobs.Counts.Quarantined, description: "Failed jobs that were quarantined: they stopped their nodes again and again (pbm media retry ID).");
        meter.CreateObservableGauge("mediacluster_jobs_in_memory", () => jobs.InMemory, description: "Job actors alive in memory (ended jobs are passivated when idle).");
        meter.CreateObservableGauge("mediacluster_cluster_members_up", () => cluster.MembersUp, description: "Members of the cluster that are Up, as this node sees them.");
        meter.CreateObservableCounter("mediacluster_asr_recognitions_total", () => asr.Recognitions, description: "Segments recognised by this process.");
        meter.CreateObservableCounter("mediacluster_asr_audio_seconds_total", () => asr.AudioSeconds, description: "Seconds of audio recognised by this process.");
        meter.CreateObservableCounter("mediacluster_asr_busy_seconds_total", () => asr.BusySeconds, description: "Seconds the ASR slots spent recognising.");
        meter.CreateObservableGauge("mediacluster_asr_realtime_factor", () => asr.RealTimeFactor, description: "Recognition seconds per audio second, per slot (below 1 is faster than real time).");
        meter.CreateObservableGauge("mediacluster_asr_queue_depth", () => asr.Waiting, description: "Segments in this node's queue waiting for an ASR worker on any gpu node.");
        meter.CreateObservableGauge("mediacluster_asr_busy_slots", () => asr.Busy, description: "ASR slots recognising now.");
        meter.CreateObservableGauge("mediacluster_asr_slots", () => asr.Slots, description: "ASR slots on this node.");
        meter.CreateObservableGauge("mediacluster_vad_queue_depth", () => vad.Waiting, description: "Jobs of this (jobs) node waiting for a VAD session on a gpu node.");
        meter.CreateObservableGauge("mediacluster_vad_busy_slots", () => vad.Busy, description: "VAD sessions running on this (gpu) node now.");
        meter.CreateObservableGauge("mediacluster_vad_slots", () => vad.Slots, description: "VAD sessions a gpu node runs at once (Node:VadSlots).");
        meter.CreateObservableGauge("mediacluster_live_sessions", () => live.Sessions, description: "Live audio sessions (WebSocket connections) open on this node.");
        meter.CreateObservableGauge("mediacluster_live_streams", () => live.Streams, description: "Live streams this node recognises (for sessions on any node).");
        meter.CreateObservableCounter("mediacluster_live_audio_seconds_total", () => live.AudioSeconds, description: "Seconds of live audio this node recognised.");
        meter.CreateObservableGauge("mediacluster_live_realtime_factor", () => live.RealTimeFactor, description: "Live recognition seconds per audio second (below 1 is faster than real time).");
        meter.CreateObservableGauge(
            "mediacluster_live_partial_latency_seconds",
            () => new[] { 50, 95 }.Select(p => new Measurement<double>(live.PartialLatencyQuantile(p / 100.0), new KeyValuePair<string, object?>("percentile", p.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            description: "From audio leaving a session to the partial it produced (50th and 95th percentiles of the last 1000 partials; not a summary: the label is not 'quantile').");
        meter.CreateObservableGauge(
            "mediacluster_journal_available", () => health.Problem is null ? 1 : 0, description: "1 while this node's journal and job index answer, else 0 (the reason is in /readyz).");
    }

    /// <summary>The meter, the exporter and the job counts' poller in a host's services.</summary>
    public static IServiceCollection Add(IServiceCollection services)
    {
        var own = new Own();
        services.AddSingleton(own);
        services.AddSingleton<JobGauges>();
        services.AddHostedService(sp => sp.GetRequiredService<JobGauges>());
        services.AddSingleton<NodeMeters>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("mediacluster-node"))
            .WithMetrics(metrics => metrics
                .AddMeter(MeterName)
                .AddPrometheusExporter()

                // Only this host's own meter: a meter listener sees every meter of the name in the process, and two
                // nodes can share a process (tests).
                .AddView(instrument => instrument.Meter.Name != MeterName || ReferenceEquals(instrument.Meter, own.Meter) ? null : MetricStreamConfiguration.Drop));
        return services;
    }

    /// <summary>This host's meter, once made.</summary>
    internal sealed class Own
    {
        public Meter? Meter { get; set; }
    }
}
