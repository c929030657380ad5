using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Video;

/// <summary>The frames a scene's features are measured on, for a dataset's clip (a job's come from <see cref="VideoScan"/>).</summary>
public static class SceneFinder
{
    /// <summary>A whole clip's frames (a dataset's example), spread over its length as a scene's are.</summary>
    public static async Task<IReadOnlyList<VideoFrame>> ClipFramesAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = await MediaProbe.ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        var duration = info.Duration ?? throw new MediaException(MediaErrorKind.InvalidInput, $"ffprobe gives no duration for '{path}'");
        return await FrameSampler.SampleAsync(path, ScenePlan.FrameTimes(TimeSpan.Zero, duration, new SceneOptions().FramesPerScene), MotionWidth, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Frames for motion are this wide: enough corners to track, cheap to decode.</summary>
    public const int MotionWidth = 320;
}
