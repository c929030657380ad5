using System.Globalization;
using System.Text.Json;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>Describes a media file with ffprobe.</summary>
public static class MediaProbe
{
    /// <summary>Probes <paramref name="path"/>; a missing, empty or unreadable file gives a <see cref="MediaException"/> naming it.</summary>
    public static async Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken = default)
    {
        var full = MediaInput.Validate(path);
        await using var tool = FfmpegTool.Start(
            "ffprobe",
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", MediaInput.ForFfmpeg(full)],
            cancellationToken);
        using var json = await JsonDocument.ParseAsync(tool.Output, cancellationToken: cancellationToken).ConfigureAwait(false);
        var (exitCode, errors) = await tool.WaitAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (exitCode != 0 || !json.RootElement.TryGetProperty("format", out var format))
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffprobe could not read '{path}' as media: {MediaInput.Explain(errors)}");
        }

        var streams = json.RootElement.TryGetProperty("streams", out var list)
            ? list.EnumerateArray().Select(ReadStream).ToList()
            : [];
        return new MediaInfo(
            path,
            format.TryGetProperty("format_name", out var name) ? name.GetString() ?? "unknown" : "unknown",
            Seconds(format, "duration") is { } d ? TimeSpan.FromSeconds(d) : null,
            new FileInfo(full).Length,
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

    private static MediaStream ReadStream(JsonElement s)
    {
        var kind = s.TryGetProperty("codec_type", out var type) ? type.GetString() : null;
        var codec = s.TryGetProperty("codec_name", out var c) ? c.GetString() ?? "unknown" : "unknown";
        var index = s.TryGetProperty("index", out var i) ? i.GetInt32() : -1;
        return kind switch
        {
            "audio" => new MediaStream(index, StreamKind.Audio, codec,
                SampleRate: (int?)Seconds(s, "sample_rate"), Channels: s.TryGetProperty("channels", out var ch) ? ch.GetInt32() : null),
            "video" when !IsAttachedPicture(s) => new MediaStream(index, StreamKind.Video, codec,
                Width: s.TryGetProperty("width", out var w) ? w.GetInt32() : null,
                Height: s.TryGetProperty("height", out var h) ? h.GetInt32() : null,
                FrameRate: Rate(s)),
            _ => new MediaStream(index, StreamKind.Other, codec),
        };
    }

    private static bool IsAttachedPicture(JsonElement s) =>
        s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var a) && a.GetInt32() == 1;

    private static double? Seconds(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String
        && double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static double? Rate(JsonElement s)
    {
        if (!s.TryGetProperty("avg_frame_rate", out var r) || r.GetString() is not { } text)
        {
            return null;
        }

        var parts = text.Split('/');
        return parts.Length == 2
            && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var n)
            && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var d) && d > 0
            ? n / d
            : null;
    }
}
