using FFMpegCore;
using FFMpegCore.Pipes;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>Single video frames at chosen times, as JPEG or raw RGB24 (FFMpegCore: start time on the input, one frame to a pipe).</summary>
public static class FrameExtractor
{
    /// <summary>The frame at <paramref name="at"/> as a JPEG.</summary>
    public static Task<byte[]> JpegAsync(string path, TimeSpan at, CancellationToken cancellationToken = default) =>
        ExtractAsync(path, at, "image2pipe", "-map 0:v:0 -frames:v 1 -c:v mjpeg -q:v 3", null, cancellationToken);

    /// <summary>The frame at <paramref name="at"/> scaled to <paramref name="width"/>×<paramref name="height"/>, RGB24 row-major.</summary>
    public static Task<byte[]> RgbAsync(string path, TimeSpan at, int width, int height, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return ExtractAsync(path, at, "rawvideo", $"-map 0:v:0 -frames:v 1 -vf scale={width}:{height} -pix_fmt rgb24", width * height * 3, cancellationToken);
    }

    private static async Task<byte[]> ExtractAsync(string path, TimeSpan at, string format, string output, int? expectedBytes, CancellationToken cancellationToken)
    {
        using var input = FfmpegInput.For(path);
        var info = MediaProbe.WithVideo(await MediaProbe.ProbeAsync(path, input, cancellationToken).ConfigureAwait(false));
        using var buffer = new MemoryStream();

        // Not StreamPipeSink(buffer), and not the token FFMpegCore passes the sink: it cancels that token as soon as
        // ffmpeg exits, which can cut off the end of the frame still in the pipe.
        var (exitCode, errors) = await FfmpegJob.RunAsync(
            FFMpegArguments.FromFileInput(input.Path, verifyExists: false, o => o.WithStartTime(at))
                .OutputToPipe(new StreamPipeSink((pipe, _) => pipe.CopyToAsync(buffer, cancellationToken)) { Format = format }, o => o.WithCustomArgument(output)),
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0 || buffer.Length == 0 || (expectedBytes is { } n && buffer.Length != n))
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"ffmpeg produced no frame at {at.TotalSeconds:0.###} s of '{path}' (duration {info.Duration?.TotalSeconds:0.###} s): {Ffmpeg.Explain(errors)}");
        }

        return buffer.ToArray();
    }
}
