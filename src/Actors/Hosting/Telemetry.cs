using System.Diagnostics;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// The cluster's spans: one <see cref="ActivitySource"/> ("MediaCluster"), and spans recorded once their work is done,
/// with their own start and end, as children of a W3C trace context carried in the messages that cross nodes
/// (<c>trace_parent</c>). Nothing is recorded unless a listener (the node's OpenTelemetry tracing) samples the source.
/// </summary>
public static class Telemetry
{
    /// <summary>The source every span of the cluster's own comes from.</summary>
    public const string SourceName = "MediaCluster";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// This node's address as spans and timelines name it (the cluster's self address); read from the actor system's
    /// provider, so an actor outside a cluster (a unit test's) names its system instead of failing to start.
    /// </summary>
    public static string NodeOf(Akka.Actor.ActorSystem system) => ((Akka.Actor.ExtendedActorSystem)system).Provider.DefaultAddress.ToString();

    /// <summary>The context a peer sent, or none when it sent none or something that is not a traceparent.</summary>
    public static ActivityContext? Parent(string traceParent) =>
        traceParent.Length is > 0 and <= 256 && ActivityContext.TryParse(traceParent, null, out var context) ? context : null;

    /// <summary>
    /// Starts a span now under <paramref name="traceParent"/> (or the current activity, or as a root); the caller stops it.
    /// Null when no listener wants it.
    /// </summary>
    public static Activity? Start(string name, string traceParent = "", ActivityKind kind = ActivityKind.Internal) =>
        Parent(traceParent) is { } parent ? Source.StartActivity(name, kind, parent) : Source.StartActivity(name, kind);

    /// <summary>
    /// The span of a job's submission ("job.submit", under the current activity — the HTTP request's — or as a root),
    /// whose context becomes the job's <c>trace_parent</c> when it has none, so one trace holds all the job's work.
    /// </summary>
    public static Activity? Submitting(Messages.Jobs.JobSpec spec)
    {
        var activity = Start("job.submit", spec.TraceParent);
        if (activity is not null)
        {
            activity.SetTag("mediacluster.job_id", spec.JobId);
            if (spec.TraceParent.Length == 0)
            {
                spec.TraceParent = activity.Id ?? string.Empty;
            }
        }

        return activity;
    }

    /// <summary>Records a span of work already done (<paramref name="start"/> to <paramref name="end"/>) under <paramref name="traceParent"/>.</summary>
    public static void Record(string name, string traceParent, DateTimeOffset start, DateTimeOffset end, params (string Key, object? Value)[] tags)
    {
        if (Parent(traceParent) is not { } parent)
        {
            return;
        }

        using var activity = Source.StartActivity(name, ActivityKind.Internal, parent, startTime: start);
        if (activity is null)
        {
            return;
        }

        foreach (var (key, value) in tags)
        {
            activity.SetTag(key, value);
        }

        activity.SetEndTime(end.UtcDateTime < start.UtcDateTime ? start.UtcDateTime : end.UtcDateTime);
    }
}
