using System.Globalization;
using FFMpegCore.Pipes;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>A decoded picture: RGB24, row-major, at a time in the media.</summary>
public sealed record VideoFrame(TimeSpan Time, int Width, int Height, byte[] Rgb);

/// <summary>
/// Many frames of a video in one decoding pass: ffmpeg resamples the picture stream to <see cref="SampleRate"/> frames
/// a second at a small size and streams raw RGB; the frames nearest the wanted times are kept, the rest dropped as they
/// pass (memory is the frames kept, not the video). One ffmpeg run per job, not one per frame.
/// </summary>
public static class FrameSampler
{
    /// <summary>Frames a second ffmpeg delivers: a wanted time is met within half of 1/<see cref="SampleRate"/> s.</summary>
    public const int SampleRate = 10;

    /// <summary>The most elongated picture sampled (height to width or width to height).</summary>
    public const double MaxAspect = 16;

    /// <summary>
    /// The height of frames <paramref name="width"/> wide with the picture's aspect, which the file states: one beyond
    /// <see cref="MaxAspect"/> would make frames of any size (a 1×100000 stream scaled to 320 wide is 9.6 GB a frame), so
    /// it is refused before decoding.
    /// </summary>
    internal static int HeightFor(string path, MediaStream video, int width)
    {
        var aspect = video is { Width: > 0, Height: > 0 } ? (double)video.Height!.Value / video.Width!.Value : 9.0 / 16;
        if (aspect > MaxAspect || aspect < 1 / MaxAspect)
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"the pictures of '{path}' are {video.Width}×{video.Height} pixels, an aspect beyond 1:{MaxAspect:0} that no frame can be sampled at");
        }

        return Math.Max(2, (int)Math.Round(width * aspect / 2) * 2);
    }

    /// <summary>
    /// The frames nearest <paramref name="times"/> (one per time, in the order given), <paramref name="width"/> pixels
    /// wide with the picture's aspect. A time past the last frame gets the last frame.
    /// </summary>
    public static async Task<IReadOnlyList<VideoFrame>> SampleAsync(string path, IReadOnlyList<TimeSpan> times, int width = 320, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 16);
        if (times.Count == 0)
        {
            return [];
        }

        using var input = FfmpegInput.For(path);
        var info = MediaProbe.WithVideo(await MediaProbe.ProbeAsync(path, input, cancellationToken).ConfigureAwait(false));
        var height = HeightFor(path, info.Video!, width);
        var frameBytes = width * height * 3;
        // Decoding starts just before the first wanted time (ffmpeg seeks the input), so a late scene costs its own length.
        var from = TimeSpan.FromSeconds(Math.Max(0, Math.Floor((times.Min().TotalSeconds - 1) * SampleRate) / SampleRate));
        var wanted = times.Select(t => (int)Math.Round(Math.Max(0, (t - from).TotalSeconds) * SampleRate)).ToArray();
        var until = (wanted.Max() + 2) / (double)SampleRate;
        var needed = wanted.ToHashSet();
        var kept = new Dictionary<int, byte[]>();
        byte[]? latest = null;
        var count = 0;

        async Task ReadAsync(Stream pipe)
        {
            var frame = new byte[frameBytes];
            while (await pipe.ReadAtLeastAsync(frame, frameBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == frameBytes)
            {
                if (needed.Contains(count))
                {
                    kept[count] = frame;
                }

                latest = frame;
                frame = new byte[frameBytes];
                count++;
            }
        }

        // Not the token FFMpegCore passes the sink: it cancels it as soon as ffmpeg exits, with frames still in the pipe.
        var filter = string.Create(CultureInfo.InvariantCulture, $"fps={SampleRate},scale={width}:{height}:flags=area,format=rgb24");
        var (exitCode, errors) = await FfmpegJob.RunAsync(
            input.Arguments(string.Create(CultureInfo.InvariantCulture, $"-ss {from.TotalSeconds:0.###}"))
                .OutputToPipe(
                    new StreamPipeSink((pipe, _) => ReadAsync(pipe)) { Format = "rawvideo" },
                    o => o.WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-map 0:v:0 -an -sn -t {until:0.###} -vf {filter}"))),
            path,
            cancellationToken,
            deadline: FfmpegJob.DeadlineFor(TimeSpan.FromSeconds(until))).ConfigureAwait(false);
        if (exitCode != 0 || count == 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffmpeg could not decode the pictures of '{path}': {Ffmpeg.Explain(errors)}");
        }

        return [.. wanted.Select((index, i) => new VideoFrame(
            times[i],
            width,
            height,
            kept.TryGetValue(index, out var rgb) ? rgb : latest!))];
    }
}
