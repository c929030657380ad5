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

/// <summary>The rules that make scenes of cuts (applied as a video is read, by <see cref="SceneAssembler"/>).</summary>
public static class ScenePlan
{
    /// <summary>Whether a cut at <paramref name="cut"/> starts a scene after the one started at <paramref name="start"/>.</summary>
    public static bool Accepts(TimeSpan start, TimeSpan cut, TimeSpan duration, SceneOptions options) =>
        cut - start >= options.MinScene && duration - cut >= options.MinScene;

    /// <summary><paramref name="count"/> frame times at the middles of equal parts of a scene, so none sits on a cut.</summary>
    public static IReadOnlyList<TimeSpan> FrameTimes(TimeSpan start, TimeSpan end, int count)
    {
        var part = (end - start) / count;
        return [.. Enumerable.Range(0, count).Select(k => start + (part * (k + 0.5)))];
    }
}
