using System.Text.RegularExpressions;
using FFMpegCore;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>
/// What every FFMpegCore call here shares: where ffmpeg and ffprobe are (PATH, or <c>MC_FFMPEG_DIR</c>; a clear error
/// when missing), a node-made name for the input, and ffmpeg's complaint in one line.
/// </summary>
internal static partial class Ffmpeg
{
    /// <summary>FFMpegCore's options with the folder holding ffmpeg and ffprobe, or a <see cref="MediaException"/> saying how to install them.</summary>
    public static FFOptions Options()
    {
        var directory = Environment.GetEnvironmentVariable("MC_FFMPEG_DIR");
        var candidates = string.IsNullOrEmpty(directory)
            ? (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            : [directory];
        var folder = candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "ffmpeg")) && File.Exists(Path.Combine(c, "ffprobe")))
            ?? throw new MediaException(MediaErrorKind.ToolMissing, "ffmpeg is not installed (ffmpeg and ffprobe not found on PATH); install the Debian package 'ffmpeg' (./mc setup).");
        return new FFOptions { BinaryFolder = folder, LogLevel = FFMpegCore.Enums.FFMpegLogLevel.Error };
    }

    /// <summary>
    /// ffmpeg's complaint in one line: its last few messages without the "[demuxer @ 0x…]" and "path:" prefixes, e.g.
    /// "moov atom not found; Invalid data found when processing input".
    /// </summary>
    public static string Explain(IEnumerable<string> errors)
    {
        var lines = errors
            .Select(l => Prefix().Replace(l.Trim(), string.Empty))
            .Where(l => l.Length > 0)
            .Distinct()
            .TakeLast(3)
            .ToList();
        return lines.Count == 0 ? "no error message" : string.Join("; ", lines);
    }

    [GeneratedRegex(@"^(\[[^\]]*@ 0x[0-9a-f]+\]\s*|/[^:]*:\s*)+")]
    private static partial Regex Prefix();
}

/// <summary>
/// The path handed to FFMpegCore for an input. FFMpegCore 6 builds one command line and puts a path in double quotes
/// without escaping quotes inside it, so a file named <c>a" -f x "b</c> would add arguments of its own. A path of plain
/// characters is passed as it is; any other gets a node-made name: a symbolic link <c>input.EXT</c> in a private temporary
/// folder, removed on dispose. ffmpeg then never sees the user's file name (nor reads it as an option or protocol).
/// </summary>
public sealed partial class FfmpegInput : IDisposable
{
    private readonly string? _folder;

    private FfmpegInput(string path, long sizeBytes, string? folder)
    {
        Path = path;
        SizeBytes = sizeBytes;
        _folder = folder;
    }

    /// <summary>What ffmpeg opens.</summary>
    public string Path { get; }

    /// <summary>The file's size, read when it was checked.</summary>
    public long SizeBytes { get; }

    /// <summary>
    /// The demuxers ffmpeg may use for an input: audio and video containers and raw audio/video streams. Playlists and
    /// every other format that names further inputs (hls, dash, concat, sdp, rtp, image sequences, lavfi, devices) are
    /// not among them, so a submitted file never makes ffmpeg read another job's media or reach the network.
    /// </summary>
    public const string Demuxers =
        "wav,w64,mp3,flac,ogg,matroska,mov,avi,asf,flv,mpegts,mpeg,mpegvideo,mxf,nut,dv,aiff,caf,au,amr,aac,ac3,eac3,dts,"
        + "truehd,mlp,wv,ape,tta,mpc,mpc8,voc,gsm,ivf,h264,hevc,m4v";

    /// <summary>What ffprobe and ffmpeg are told before every input: read files only (no network, no subprocess), and only <see cref="Demuxers"/>.</summary>
    public const string Guards = "-protocol_whitelist file,pipe -format_whitelist " + Demuxers;

    /// <summary>FFMpegCore's arguments reading this input: <see cref="Guards"/>, then <paramref name="options"/> (more input options).</summary>
    public FFMpegArguments Arguments(string? options = null) =>
        FFMpegArguments.FromFileInput(Path, verifyExists: false, o => o.WithCustomArgument(options is null ? Guards : $"{Guards} {options}"));

    /// <summary>Checks <paramref name="path"/> (missing or empty: a clear error) and names it for ffmpeg.</summary>
    public static FfmpegInput For(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (!info.Exists)
        {
            throw new MediaException(MediaErrorKind.NotFound, $"'{path}' does not exist.");
        }

        if (info.Length == 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{path}' is empty (0 bytes): it holds no media.");
        }

        if (Playlist.Sniff(full) is { } kind)
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"'{path}' is {kind}: it names other files or addresses to read, and the node reads only the media it is given — submit the media file itself.");
        }

        if (Plain().IsMatch(full))
        {
            return new FfmpegInput(full, info.Length, null);
        }

        var folder = Directory.CreateTempSubdirectory("mc-input-").FullName;
        var extension = System.IO.Path.GetExtension(full) is { Length: > 1 and <= 9 } ext && Plain().IsMatch(ext) ? ext : string.Empty;
        var link = System.IO.Path.Combine(folder, "input" + extension);
        File.CreateSymbolicLink(link, full);
        return new FfmpegInput(link, info.Length, folder);
    }

    public void Dispose()
    {
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>Absolute, made of letters, digits, '/', '_', '-' and '.', with no part starting with '-'.</summary>
    [GeneratedRegex(@"^(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$|^\.[A-Za-z0-9]+$")]
    private static partial Regex Plain();
}

/// <summary>Recognises, from its first bytes, a text file that names further inputs (a playlist, a manifest, a list).</summary>
internal static class Playlist
{
    /// <summary>"an HLS playlist" and the like when <paramref name="path"/> starts like one; null otherwise.</summary>
    public static string? Sniff(string path)
    {
        var head = new byte[1024];
        int read;
        using (var stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        var text = System.Text.Encoding.Latin1.GetString(head, 0, read).TrimStart('\uFEFF', '\u00EF', '\u00BB', '\u00BF', ' ', '\t', '\r', '\n');
        return text.StartsWith("#EXTM3U", StringComparison.Ordinal) ? "an HLS (M3U) playlist"
            : text.StartsWith("ffconcat", StringComparison.Ordinal) ? "an ffmpeg concat list"
            : text.StartsWith("[playlist]", StringComparison.OrdinalIgnoreCase) ? "a PLS playlist"
            : text.StartsWith("v=0", StringComparison.Ordinal) ? "an SDP session description"
            : text.StartsWith("<?xml", StringComparison.Ordinal) && text.Contains("<MPD", StringComparison.Ordinal) ? "a DASH manifest"
            : text.StartsWith("<MPD", StringComparison.Ordinal) ? "a DASH manifest"
            : null;
    }
}
