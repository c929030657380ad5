namespace MediaCluster.Media;

/// <summary>Finds files fetched by <c>./mc setup</c> into <c>.native/</c> (or the folder in MC_NATIVE_DIR).</summary>
public static class NativeFiles
{
    /// <summary>The full path of <paramref name="name"/>, or a clear error saying how to get it.</summary>
    public static string Find(string name)
    {
        var configured = Environment.GetEnvironmentVariable("MC_NATIVE_DIR");
        if (!string.IsNullOrEmpty(configured))
        {
            var path = Path.Combine(configured, name);
            return File.Exists(path)
                ? path
                : throw new MediaException(MediaErrorKind.ToolMissing, $"'{name}' is not in MC_NATIVE_DIR ({configured}); run ./mc setup.");
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, ".native", name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new MediaException(MediaErrorKind.ToolMissing, $"'{name}' was not found in a .native folder above {AppContext.BaseDirectory}; run ./mc setup.");
    }
}
