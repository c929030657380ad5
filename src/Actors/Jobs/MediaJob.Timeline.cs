using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Reports;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// Where this run of the job spent its time: its phases as spans of the job's trace (<see cref="Telemetry"/>), and a
/// bar per phase, segment and scene kept for its timeline (<see cref="JobTimeline"/>, written with the results).
/// </summary>
public sealed partial class MediaJob
{
    private readonly List<TimelineBar> _bars = [];
    private readonly Dictionary<int, DateTimeOffset> _scenesSentAt = [];
    private readonly DateTimeOffset _runStarted = DateTimeOffset.UtcNow;
    private DateTimeOffset _probeStarted;
    private DateTimeOffset _speechStarted;

    /// <summary>A phase of the job done on <paramref name="node"/> from <paramref name="start"/> until now: a span and a bar.</summary>
    private void Phase(string kind, DateTimeOffset start, string node, params (string Key, object? Value)[] tags)
    {
        var now = DateTimeOffset.UtcNow;
        Telemetry.Record($"job.{kind.Replace(' ', '-')}", _state.Spec?.TraceParent ?? string.Empty, start, now, [("mediacluster.job_id", _jobId), .. tags]);
        Bar(kind, -1, node, start, 0, (now - start).TotalSeconds);
    }

    /// <summary>A piece of work that ended now, having waited <paramref name="queue"/> and worked <paramref name="work"/> seconds.</summary>
    private void PieceDone(string kind, int index, string node, double queue, double work)
    {
        (queue, work) = (Math.Max(0, queue), Math.Max(0, work));
        Bar(kind, index, node, DateTimeOffset.UtcNow.AddSeconds(-(queue + work)), queue, work);
    }

    private void Bar(string kind, int index, string node, DateTimeOffset start, double queue, double work)
    {
        if (_bars.Count < JobTimeline.MaxBars)
        {
            _bars.Add(TimelineBar.Of(_runStarted, kind, index, node, start, queue, work));
        }
    }

    private JobTimeline Timeline() => new(_runStarted, [.. _bars]);
}
