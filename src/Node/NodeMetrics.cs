using System.Globalization;
using System.Text;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Live;
using MediaCluster.Actors.Speech;

namespace MediaCluster.Node;

/// <summary>/metrics in Prometheus text: jobs by state (from the index's counts), the ASR real-time factor and the queue depths.</summary>
internal static class NodeMetrics
{
    public static async Task<string> TextAsync(JobsGateway jobs, ClusterGateway cluster, AsrMetrics asr, VadMetrics vad, LiveMetrics live, CancellationToken ct)
    {
        // Counted by the job index: a scrape asks no job, so a slow or moving shard cannot fail it.
        var counts = await jobs.CountsAsync(ct);
        var text = new StringBuilder();
        Header(text, "mediacluster_jobs", "gauge", "Jobs of the cluster by state (running: registered and not ended).");
        foreach (var (state, count) in new[] { ("running", counts.Unfinished), ("completed", counts.Completed), ("failed", counts.Failed), ("cancelled", counts.Cancelled) })
        {
            text.Append(CultureInfo.InvariantCulture, $"mediacluster_jobs{{state=\"{state}\"}} {count}\n");
        }

        Gauge(text, "mediacluster_jobs_quarantined", "gauge", "Failed jobs that were quarantined: they stopped their nodes again and again (pbm media retry ID).", counts.Quarantined);
        Gauge(text, "mediacluster_cluster_members_up", "gauge", "Members of the cluster that are Up, as this node sees them.", cluster.MembersUp);
        Gauge(text, "mediacluster_jobs_in_memory", "gauge", "Job actors alive in memory (ended jobs are passivated when idle).", await jobs.InMemoryAsync(ct));
        Gauge(text, "mediacluster_asr_recognitions_total", "counter", "Segments recognised by this process.", asr.Recognitions);
        Gauge(text, "mediacluster_asr_audio_seconds_total", "counter", "Seconds of audio recognised by this process.", asr.AudioSeconds);
        Gauge(text, "mediacluster_asr_busy_seconds_total", "counter", "Seconds the ASR slots spent recognising.", asr.BusySeconds);
        Gauge(text, "mediacluster_asr_realtime_factor", "gauge", "Recognition seconds per audio second, per slot (below 1 is faster than real time).", asr.RealTimeFactor);
        Gauge(text, "mediacluster_asr_queue_depth", "gauge", "Segments in this node's queue waiting for an ASR worker on any gpu node.", asr.Waiting);
        Gauge(text, "mediacluster_asr_busy_slots", "gauge", "ASR slots recognising now.", asr.Busy);
        Gauge(text, "mediacluster_asr_slots", "gauge", "ASR slots on this node.", asr.Slots);
        Gauge(text, "mediacluster_vad_queue_depth", "gauge", "Jobs waiting for a speech-detection slot.", vad.Slots.Waiting);
        Gauge(text, "mediacluster_vad_busy_slots", "gauge", "Speech-detection slots in use now.", vad.Slots.Busy);
        Gauge(text, "mediacluster_vad_slots", "gauge", "Speech-detection slots on this node.", vad.Slots.Slots);
        Gauge(text, "mediacluster_live_sessions", "gauge", "Live audio sessions (WebSocket connections) open on this node.", live.Sessions);
        Gauge(text, "mediacluster_live_streams", "gauge", "Live streams this node recognises (for sessions on any node).", live.Streams);
        Gauge(text, "mediacluster_live_audio_seconds_total", "counter", "Seconds of live audio this node recognised.", live.AudioSeconds);
        Gauge(text, "mediacluster_live_realtime_factor", "gauge", "Live recognition seconds per audio second (below 1 is faster than real time).", live.RealTimeFactor);
        Header(text, "mediacluster_live_partial_latency_seconds", "summary", "From audio leaving a session to the partial it produced (last 1000 partials).");
        foreach (var q in new[] { 0.5, 0.95 })
        {
            text.Append(CultureInfo.InvariantCulture, $"mediacluster_live_partial_latency_seconds{{quantile=\"{q}\"}} {live.PartialLatencyQuantile(q):0.######}\n");
        }

        return text.ToString();
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");

    private static void Gauge(StringBuilder text, string name, string type, string help, double value)
    {
        Header(text, name, type, help);
        text.Append(CultureInfo.InvariantCulture, $"{name} {value:0.######}\n");
    }
}
