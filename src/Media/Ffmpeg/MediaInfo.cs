namespace MediaCluster.Media.Ffmpeg;

/// <summary>What kind of data a stream carries.</summary>
public enum StreamKind
{
    /// <summary>Sound.</summary>
    Audio,

    /// <summary>Pictures.</summary>
    Video,

    /// <summary>Subtitles, data, attachments.</summary>
    Other,
}

/// <summary>One stream of a media file as ffprobe describes it.</summary>
public sealed record MediaStream(
    int Index,
    StreamKind Kind,
    string Codec,
    int? SampleRate = null,
    int? Channels = null,
    int? Width = null,
    int? Height = null,
    double? FrameRate = null);

/// <summary>A probed media file: container, duration and streams.</summary>
public sealed record MediaInfo(string Path, string Container, TimeSpan? Duration, long SizeBytes, IReadOnlyList<MediaStream> Streams)
{
    /// <summary>The first audio stream, if any.</summary>
    public MediaStream? Audio => Streams.FirstOrDefault(s => s.Kind == StreamKind.Audio);

    /// <summary>The first video stream that is a real picture stream, if any.</summary>
    public MediaStream? Video => Streams.FirstOrDefault(s => s.Kind == StreamKind.Video);

    /// <summary>A short list such as "h264, aac" for error messages.</summary>
    public string StreamSummary => Streams.Count == 0 ? "none" : string.Join(", ", Streams.Select(s => s.Codec));
}
