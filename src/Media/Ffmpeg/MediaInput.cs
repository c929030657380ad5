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

    /// <summary>The most useful line of ffmpeg's complaint (the last one names the failure).</summary>
    public static string Explain(string errors) =>
        string.IsNullOrWhiteSpace(errors) ? "no error message" : errors.Split('\n').Last(l => l.Length > 0).Replace("file:", string.Empty, StringComparison.Ordinal);
}
