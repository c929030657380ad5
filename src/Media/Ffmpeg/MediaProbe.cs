using FFMpegCore;
using FFMpegCore.Exceptions;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>Describes a media file with ffprobe (through FFMpegCore).</summary>
public static class MediaProbe
{
    /// <summary>Probes <paramref name="path"/>; a missing, empty or unreadable file gives a <see cref="MediaException"/> naming it.</summary>
    public static async Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        var options = Ffmpeg.Options();
        using var input = FfmpegInput.For(path);
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(input.Path, options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (FFProbeProcessException ex)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffprobe could not read '{path}' as media: {Ffmpeg.Explain(ex.StandardError)}", ex);
        }
        catch (FFProbeException ex)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffprobe could not read '{path}' as media: {ex.Message}", ex);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var streams = analysis.AudioStreams
            .Select(a => new MediaStream(a.Index, StreamKind.Audio, a.CodecName ?? "unknown", SampleRate: a.SampleRateHz, Channels: a.Channels))
            .Concat(analysis.VideoStreams.Select(v => IsAttachedPicture(v)
                ? new MediaStream(v.Index, StreamKind.Other, v.CodecName ?? "unknown")
                : new MediaStream(v.Index, StreamKind.Video, v.CodecName ?? "unknown",
                    Width: v.Width, Height: v.Height, FrameRate: v.AverageFrameRate > 0 ? v.AverageFrameRate : null)))
            .Concat(analysis.SubtitleStreams.Select(s => new MediaStream(s.Index, StreamKind.Other, s.CodecName ?? "unknown")))
            .OrderBy(s => s.Index)
            .ToList();
        var duration = analysis.Format.Duration;
        return new MediaInfo(
            path,
            string.IsNullOrEmpty(analysis.Format.FormatName) ? "unknown" : analysis.Format.FormatName,
            duration > TimeSpan.Zero ? duration : null,
            new FileInfo(path).Length,
            streams);
    }

    /// <summary>Probes and insists on an audio stream, listing what was found otherwise.</summary>
    public static async Task<MediaInfo> ProbeAudioAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = await ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        if (info.Audio is null)
        {
            throw new MediaException(MediaErrorKind.MissingStream, $"ffprobe found no audio stream in '{path}' (streams: {info.StreamSummary}).");
        }

        return info;
    }

    /// <summary>Probes and insists on a picture stream (cover art does not count).</summary>
    internal static async Task<MediaInfo> ProbeVideoAsync(string path, CancellationToken cancellationToken)
    {
        var info = await ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        if (info.Video is null)
        {
            throw new MediaException(MediaErrorKind.MissingStream, $"ffprobe found no video stream in '{path}' (streams: {info.StreamSummary}).");
        }

        return info;
    }

    private static bool IsAttachedPicture(VideoStream stream) =>
        stream.Disposition is { } disposition && disposition.TryGetValue("attached_pic", out var attached) && attached;
}
