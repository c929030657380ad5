namespace MediaCluster.Media.Ffmpeg;

/// <summary>Checks an input path before any tool sees it, and formats it for ffmpeg.</summary>
internal static class MediaInput
{
    /// <summary>Throws a clear error for a missing or empty file; returns the absolute path.</summary>
    public static string Validate(string path)
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

        return full;
    }

    /// <summary>The URL ffmpeg should open: the "file:" protocol, so no name is read as an option or protocol.</summary>
    public static string ForFfmpeg(string fullPath) => "file:" + fullPath;

    /// <summary>
    /// ffmpeg's complaint in one line: its last few messages without the "[demuxer @ 0x…]" and "file:path:"
    /// prefixes, e.g. "moov atom not found; Invalid data found when processing input".
    /// </summary>
    public static string Explain(string errors)
    {
        var lines = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => s_prefix.Replace(l, string.Empty))
            .Where(l => l.Length > 0)
            .Distinct()
            .TakeLast(3)
            .ToList();
        return lines.Count == 0 ? "no error message" : string.Join("; ", lines);
    }

    private static readonly System.Text.RegularExpressions.Regex s_prefix = new(@"^(\[[^\]]*@ 0x[0-9a-f]+\]\s*|file:[^:]*:\s*)+");
}
