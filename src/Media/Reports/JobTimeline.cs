using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaCluster.Media.Reports;

/// <summary>
/// One bar of a job's timeline: a phase of the job (probe, speech detection, the artifacts) or a piece of its work (a
/// segment's recognition, a scene's labelling) on the member that did it, starting <see cref="Start"/> seconds after the
/// timeline's start, waiting <see cref="Queue"/> seconds (a segment in its queue, a scene for a classifier) then
/// working <see cref="Work"/> seconds.
/// </summary>
public sealed record TimelineBar(string Kind, int Index, string Node, double Start, double Queue, double Work)
{
    /// <summary>A bar that starts at <paramref name="start"/> on a timeline started at <paramref name="timelineStarted"/>, seconds to the millisecond.</summary>
    public static TimelineBar Of(DateTimeOffset timelineStarted, string kind, int index, string node, DateTimeOffset start, double queue, double work) =>
        new(kind, index, node, Math.Round((start - timelineStarted).TotalSeconds, 3), Math.Round(queue, 3), Math.Round(work, 3));
}

/// <summary>
/// Where a job's time went, as its node saw it: the job's own spans — its phases, and each segment and scene with the
/// member that did it and how long it waited and worked — kept beside its results (<c>.report/timeline.json</c>) when it
/// completes. Only the run that completed it is in it (a job resumed after a node failed starts it again).
/// </summary>
public sealed record JobTimeline(DateTimeOffset Started, IReadOnlyList<TimelineBar> Bars)
{
    /// <summary>The most bars a timeline keeps (a long video: its segments and scenes); later ones are left out.</summary>
    public const int MaxBars = 20_000;

    /// <summary>The file a completed job's timeline is kept in, inside its results.</summary>
    public static string PathIn(string resultsDirectory) => Path.Combine(resultsDirectory, ReportInputs.FolderName, "timeline.json");

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>The timeline as the API gives it: <c>{started, bars: [{kind, index, node, start, queue, work}]}</c>.</summary>
    public string Json() => JsonSerializer.Serialize(this, s_json);

    public Task KeepAsync(string resultsDirectory) => AtomicFile.WriteTextAsync(PathIn(resultsDirectory), Json());

    /// <summary>A completed job's timeline, or null when it kept none (an earlier release, or not completed) or it does not read.</summary>
    public static async Task<JobTimeline?> ReadAsync(string resultsDirectory, CancellationToken cancellationToken)
    {
        var path = PathIn(resultsDirectory);
        if (!File.Exists(path) || new FileInfo(path).Length > 8 << 20)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<JobTimeline>(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), s_json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
