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
internal sealed partial class FfmpegInput : IDisposable
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
