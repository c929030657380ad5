using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Video;

/// <summary>Scenes of a video and the features of a scene: the engine work behind the scene actors, no actors here.</summary>
public static class SceneFinder
{
    /// <summary>The scenes of <paramref name="path"/>: ffmpeg's cuts (on downscaled frames) planned into scenes with frame times.</summary>
    public static async Task<IReadOnlyList<SceneSpan>> FindAsync(string path, TimeSpan duration, SceneOptions options, CancellationToken cancellationToken = default)
    {
        options = options.Validated();
        var cuts = await SceneDetector.DetectAsync(path, options.Threshold, cancellationToken).ConfigureAwait(false);
        return ScenePlan.From(cuts, duration, options);
    }

    /// <summary>A scene's sampled frames, <see cref="MotionWidth"/> wide (what every task's scene features are measured on).</summary>
    public static Task<IReadOnlyList<VideoFrame>> SceneFramesAsync(string path, IReadOnlyList<TimeSpan> frameTimes, CancellationToken cancellationToken = default) =>
        FrameSampler.SampleAsync(path, frameTimes, MotionWidth, cancellationToken);

    /// <summary>A whole clip's frames (a dataset's example), spread over its length as a scene's are.</summary>
    public static async Task<IReadOnlyList<VideoFrame>> ClipFramesAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = await MediaProbe.ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        var duration = info.Duration ?? throw new MediaException(MediaErrorKind.InvalidInput, $"ffprobe gives no duration for '{path}'");
        var scene = ScenePlan.From([], duration, new SceneOptions())[0];
        return await SceneFramesAsync(path, scene.FrameTimes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Frames for motion are this wide: enough corners to track, cheap to decode.</summary>
    public const int MotionWidth = 320;
}
