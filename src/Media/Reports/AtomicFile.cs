using System.Text;

namespace MediaCluster.Media.Reports;

/// <summary>Writes a file under a temporary name in the same folder, then renames it: readers never see half a file.</summary>
public static class AtomicFile
{
    /// <summary>Writes through <paramref name="write"/>, then moves the result to <paramref name="path"/>.</summary>
    public static async Task WriteAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                await write(stream).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Has <paramref name="write"/> make the file at the temporary path it is given (a tool's output: the name ends as
    /// <paramref name="path"/> does, so the tool picks the same format), then moves it to <paramref name="path"/>.
    /// </summary>
    public static async Task WriteWithAsync(string path, Func<string, Task> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Guid.NewGuid():N}.tmp.{Path.GetFileName(path)}");
        try
        {
            await write(temporary).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) atomically.</summary>
    public static Task WriteTextAsync(string path, string text, CancellationToken cancellationToken = default) =>
        WriteAsync(path, s => s.WriteAsync(new UTF8Encoding(false).GetBytes(text), cancellationToken).AsTask(), cancellationToken);
}
