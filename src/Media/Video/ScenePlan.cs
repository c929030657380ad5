using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Video;

/// <summary>How cuts become scenes: ffmpeg's scene-score threshold and the shortest scene kept.</summary>
public sealed record SceneOptions
{
    /// <summary>A frame whose scene score (0–1) exceeds this starts a new scene. 0.2 finds hard cuts and ignores camera motion (≤ 0.1 measured).</summary>
    public double Threshold { get; init; } = 0.2;

    /// <summary>A cut closer than this to the previous one (or to the start) is ignored: flashes and fades do not make scenes.</summary>
    public TimeSpan MinScene { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Frames sampled per scene, equidistant (thumbnails, motion, the shot-scale embedding).</summary>
    public int FramesPerScene { get; init; } = 8;

    /// <summary>Checks the values, naming the bad one.</summary>
    public SceneOptions Validated() =>
        Threshold is <= 0 or >= 1 ? throw new ArgumentOutOfRangeException(nameof(Threshold), Threshold, "the scene threshold is between 0 and 1 (exclusive)")
        : MinScene <= TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(MinScene), MinScene, "the shortest scene must be positive")
        : FramesPerScene is < 2 or > 64 ? throw new ArgumentOutOfRangeException(nameof(FramesPerScene), FramesPerScene, "frames per scene are 2–64")
        : this;
}

/// <summary>One scene: where it starts and ends, and the times of its sampled frames.</summary>
public sealed record SceneSpan(int Index, TimeSpan Start, TimeSpan End, IReadOnlyList<TimeSpan> FrameTimes)
{
    public TimeSpan Length => End - Start;
}

/// <summary>Turns the cuts of a video of known length into scenes with their frame times.</summary>
public static class ScenePlan
{
    /// <summary>
    /// Scenes between the cuts: a cut within <see cref="SceneOptions.MinScene"/> of the scene it would end (or of the
    /// end of the video) is dropped; each scene gets <see cref="SceneOptions.FramesPerScene"/> frame times at the
    /// middles of equal parts, so none sits on a cut.
    /// </summary>
    public static IReadOnlyList<SceneSpan> From(IEnumerable<SceneCut> cuts, TimeSpan duration, SceneOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var starts = new List<TimeSpan> { TimeSpan.Zero };
        foreach (var cut in cuts.OrderBy(c => c.Time))
        {
            if (cut.Time - starts[^1] >= options.MinScene && duration - cut.Time >= options.MinScene)
            {
                starts.Add(cut.Time);
            }
        }

        return [.. starts.Select((start, i) =>
        {
            var end = i + 1 < starts.Count ? starts[i + 1] : duration;
            var part = (end - start) / options.FramesPerScene;
            return new SceneSpan(i, start, end, [.. Enumerable.Range(0, options.FramesPerScene).Select(k => start + (part * (k + 0.5)))]);
        })];
    }
}
