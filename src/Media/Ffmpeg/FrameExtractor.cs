using System.Globalization;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>Single video frames at chosen times, as JPEG or raw RGB24.</summary>
public static class FrameExtractor
{
    /// <summary>The frame at <paramref name="at"/> as a JPEG.</summary>
    public static Task<byte[]> JpegAsync(string path, TimeSpan at, CancellationToken cancellationToken = default) =>
        ExtractAsync(path, at, ["-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "3", "pipe:1"], null, cancellationToken);

    /// <summary>The frame at <paramref name="at"/> scaled to <paramref name="width"/>×<paramref name="height"/>, RGB24 row-major.</summary>
    public static Task<byte[]> RgbAsync(string path, TimeSpan at, int width, int height, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return ExtractAsync(
            path,
            at,
            ["-frames:v", "1", "-vf", $"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            width * height * 3,
            cancellationToken);
    }

    private static async Task<byte[]> ExtractAsync(string path, TimeSpan at, string[] output, int? expectedBytes, CancellationToken cancellationToken)
    {
        var info = await MediaProbe.ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        if (info.Video is null)
        {
            throw new MediaException(MediaErrorKind.MissingStream, $"ffprobe found no video stream in '{path}' (streams: {info.StreamSummary}).");
        }

        var full = System.IO.Path.GetFullPath(path);
        string[] input = ["-nostdin", "-hide_banner", "-loglevel", "error",
            "-ss", at.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture), "-i", MediaInput.ForFfmpeg(full), "-map", "0:v:0"];
        await using var tool = FfmpegTool.Start("ffmpeg", input.Concat(output), cancellationToken);
        using var buffer = new MemoryStream();
        await tool.Output.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var (exitCode, errors) = await tool.WaitAsync().ConfigureAwait(false);
        if (exitCode != 0 || buffer.Length == 0 || (expectedBytes is { } n && buffer.Length != n))
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"ffmpeg produced no frame at {at.TotalSeconds:0.###} s of '{path}' (duration {info.Duration?.TotalSeconds:0.###} s): {MediaInput.Explain(errors)}");
        }

        return buffer.ToArray();
    }
}
