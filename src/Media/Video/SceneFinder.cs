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

    /// <summary>The camera-movement features of one scene (see <see cref="CameraMotion.Features"/>) from its frame times.</summary>
    public static async Task<float[]> MovementFeaturesAsync(string path, IReadOnlyList<TimeSpan> frameTimes, CancellationToken cancellationToken = default)
    {
        var frames = await FrameSampler.SampleAsync(path, frameTimes, MotionWidth, cancellationToken).ConfigureAwait(false);
        return CameraMotion.Features(frames);
    }

    /// <summary>The movement features of a whole clip (a dataset's example), from frames spread over its length as a scene's are.</summary>
    public static async Task<float[]> ClipMovementFeaturesAsync(string path, int frames = 8, CancellationToken cancellationToken = default)
    {
        var info = await MediaProbe.ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        var duration = info.Duration ?? throw new MediaException(MediaErrorKind.InvalidInput, $"ffprobe gives no duration for '{path}'");
        var scene = ScenePlan.From([], duration, new SceneOptions { FramesPerScene = frames })[0];
        return await MovementFeaturesAsync(path, scene.FrameTimes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Frames for motion are this wide: enough corners to track, cheap to decode.</summary>
    public const int MotionWidth = 320;
}
