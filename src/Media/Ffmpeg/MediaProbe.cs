using FFMpegCore;
using FFMpegCore.Exceptions;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>Describes a media file with ffprobe (through FFMpegCore).</summary>
public static partial class MediaProbe
{
    /// <summary>How long ffprobe may take: it reads headers, so only a stalled read (or a crafted input) takes longer.</summary>
    public static readonly TimeSpan ProbeDeadline = TimeSpan.FromSeconds(60);

    /// <summary>Probes <paramref name="path"/>; a missing, empty or unreadable file gives a <see cref="MediaException"/> naming it.</summary>
    public static async Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        using var input = FfmpegInput.For(path);
        return await ProbeAsync(path, input, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Probes and insists on an audio stream, listing what was found otherwise.</summary>
    public static async Task<MediaInfo> ProbeAudioAsync(string path, CancellationToken cancellationToken = default) =>
        WithAudio(await ProbeAsync(path, cancellationToken).ConfigureAwait(false));

    /// <summary>Probes and insists on something to work on: an audio stream, or a picture stream (a silent video has scenes).</summary>
    public static async Task<MediaInfo> ProbeMediaAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = await ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        return info.Audio is not null || info.Video is not null ? info
            : throw new MediaException(MediaErrorKind.MissingStream, $"ffprobe found no audio or video stream in '{info.Path}' (streams: {info.StreamSummary}).");
    }

    /// <summary>
    /// Probes an input already checked and named for ffmpeg (<paramref name="path"/> is the caller's name for it, used in
    /// messages), so a decoder or extractor probes and then reads through the same <see cref="FfmpegInput"/>.
    /// </summary>
    internal static async Task<MediaInfo> ProbeAsync(string path, FfmpegInput input, CancellationToken cancellationToken)
    {
        IMediaAnalysis analysis;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ProbeDeadline);
        try
        {
            analysis = await FFProbe.AnalyseAsync(input.Path, Ffmpeg.Options(), cancellationToken: deadline.Token, customArguments: FfmpegInput.Guards).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MediaException(MediaErrorKind.TimedOut, $"ffprobe did not finish reading '{path}' within {ProbeDeadline.TotalSeconds:0} s, so it was stopped");
        }
        catch (FFProbeProcessException ex) when (NotOnWhitelist(ex.StandardError) is { } format)
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"'{path}' is in the '{format}' format, which the node does not read: it reads audio and video files only (formats {FfmpegInput.Demuxers}).",
                ex);
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
            input.SizeBytes,
            streams);
    }

    /// <summary><paramref name="info"/>, if it has an audio stream; otherwise an error listing what it has.</summary>
    internal static MediaInfo WithAudio(MediaInfo info) => info.Audio is not null ? info
        : throw new MediaException(MediaErrorKind.MissingStream, $"ffprobe found no audio stream in '{info.Path}' (streams: {info.StreamSummary}).");

    /// <summary><paramref name="info"/>, if it has a picture stream (cover art does not count); otherwise an error listing what it has.</summary>
    internal static MediaInfo WithVideo(MediaInfo info) => info.Video is not null ? info
        : throw new MediaException(MediaErrorKind.MissingStream, $"ffprobe found no video stream in '{info.Path}' (streams: {info.StreamSummary}).");

    /// <summary>The demuxer ffprobe found but was not allowed to use ("[hls @ 0x…] Format not on whitelist …"), if that was the failure.</summary>
    private static string? NotOnWhitelist(IEnumerable<string> errors) =>
        errors.Select(line => Refused().Match(line)).FirstOrDefault(m => m.Success)?.Groups["format"].Value;

    [System.Text.RegularExpressions.GeneratedRegex(@"^\[(?<format>[A-Za-z0-9_,]+) @ 0x[0-9a-f]+\] Format not on whitelist")]
    private static partial System.Text.RegularExpressions.Regex Refused();

    private static bool IsAttachedPicture(VideoStream stream) =>
        stream.Disposition is { } disposition && disposition.TryGetValue("attached_pic", out var attached) && attached;
}
