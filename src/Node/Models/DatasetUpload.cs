using System.IO.Compression;
using MediaCluster.Actors.Training;
using MediaCluster.Node.Jobs;
using Microsoft.Net.Http.Headers;

namespace MediaCluster.Node.Models;

/// <summary>A dataset uploaded to train on: received like a job's upload, then placed (a CSV) or unpacked (a zip) where the trainer reads it.</summary>
internal static class DatasetUpload
{
    /// <summary>
    /// An uploaded dataset (one file, within Node:MaxUploadBytes): a labels CSV as it is, or a zip of a dataset folder
    /// (labels CSVs or MovieShots JSON with the files they name), unpacked under DATASETS/.uploads/TASK/ID — a hidden
    /// folder the watcher does not look at — where the trainer reads it. A zip entry leaving the folder (.NET refuses
    /// it), or more than 4 × the upload limit unpacked, is refused and nothing is kept.
    /// </summary>
    public static async Task<(string? Folder, string? Error, int Status)> ReceiveAsync(
        HttpContext context, MediaTypeHeaderValue type, string task, NodeOptions options, CancellationToken ct)
    {
        if (task.Length == 0 || !task.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return (null, $"'{task}' is not a task name", StatusCodes.Status400BadRequest);
        }

        var id = Guid.NewGuid().ToString("N")[..12];
        var (spec, error, status) = await UploadStore.ReceiveAsync(context, type, "dataset-" + id, options, ct);
        if (spec is null)
        {
            return (null, error, status);
        }

        var upload = Path.GetDirectoryName(spec.InputPath)!;
        var folder = Path.Combine(options.DatasetsRoot, DatasetUploads.UploadsFolder, task, id);
        try
        {
            Directory.CreateDirectory(folder);
            switch (Path.GetExtension(spec.Title).ToLowerInvariant())
            {
                case ".csv":
                    File.Move(spec.InputPath, Path.Combine(folder, "labels.csv"));
                    break;
                case ".zip":
                    await UnzipAsync(spec.InputPath, folder, options.Training, ct);

                    // A zip of a folder holds the folder: its data files are one level down.
                    if (!Directory.EnumerateFiles(folder).Any() && Directory.GetDirectories(folder) is [var inner])
                    {
                        return (inner, null, 0);
                    }

                    break;
                default:
                    Directory.Delete(folder, recursive: true);
                    return (null, $"'{spec.Title}': a dataset upload is a .csv (labels) or a .zip of a dataset folder", StatusCodes.Status400BadRequest);
            }

            return (folder, null, 0);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or OperationCanceledException)
        {
            Directory.Delete(folder, recursive: true);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            return (null, $"'{spec.Title}' is not a dataset zip the node can unpack: {ex.Message}", StatusCodes.Status400BadRequest);
        }
        finally
        {
            UploadStore.Delete(upload);
        }
    }

    /// <summary>
    /// Unpacks <paramref name="zip"/> into <paramref name="folder"/> entry by entry, counting entries and the bytes
    /// actually written (not the sizes the archive declares) against Node:Training:MaxDatasetFiles and
    /// MaxUnpackedBytes; an entry that is a link or would land outside the folder is refused. A refusal is an
    /// <see cref="InvalidDataException"/> naming the limit; the caller removes what was written.
    /// </summary>
    private static async Task UnzipAsync(string zip, string folder, TrainingSettings limits, CancellationToken ct)
    {
        using var archive = ZipFile.OpenRead(zip);
        if (archive.Entries.Count > limits.MaxDatasetFiles)
        {
            throw new InvalidDataException(
                $"it holds {archive.Entries.Count} entries, over the limit of {limits.MaxDatasetFiles} files for a dataset (Node:Training:MaxDatasetFiles)");
        }

        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        var buffer = new byte[81920];
        long written = 0;
        foreach (var entry in archive.Entries)
        {
            // The high 16 bits of the external attributes are the Unix mode of a zip made on Unix: 0xA000 is a link.
            if (((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000)
            {
                throw new InvalidDataException($"its entry '{entry.FullName}' is a symbolic link; a dataset holds files only");
            }

            var target = Path.GetFullPath(Path.Combine(root, entry.FullName));
            if (!target.StartsWith(root, StringComparison.Ordinal) && target + Path.DirectorySeparatorChar != root)
            {
                throw new InvalidDataException($"its entry '{entry.FullName}' would be unpacked outside the dataset's folder");
            }

            if (entry.FullName.EndsWith('/'))
            {
                Directory.CreateDirectory(target);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var source = entry.Open();
            await using var destination = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                written += read;
                if (written > limits.MaxUnpackedBytes)
                {
                    throw new InvalidDataException(
                        $"it unpacks to more than {limits.MaxUnpackedBytes} bytes, the limit for an uploaded dataset (Node:Training:MaxUnpackedBytes)");
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
    }
}
