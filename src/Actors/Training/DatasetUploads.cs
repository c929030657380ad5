using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Training;

/// <summary>Datasets uploaded through the API, unpacked under DATASETS/.uploads/TASK/ID where the trainer reads them.</summary>
public static class DatasetUploads
{
    /// <summary>The hidden folder of DATASETS that uploaded datasets are unpacked into (the watcher does not look there).</summary>
    public const string UploadsFolder = ".uploads";

    /// <summary>
    /// Removes the folders an uploaded dataset was unpacked into (DATASETS/.uploads/TASK/ID), once no run will read
    /// them: the run ended (recorded), or the request was refused or answered by a run already done or queued.
    /// </summary>
    public static void Delete(string datasetsRoot, ILogger log, TrainModel request)
    {
        var uploads = Path.Combine(datasetsRoot, UploadsFolder) + Path.DirectorySeparatorChar;
        foreach (var path in request.Paths)
        {
            var full = Path.GetFullPath(path);
            if (!full.StartsWith(uploads, StringComparison.Ordinal))
            {
                continue;
            }

            // TASK/ID/… → the upload's own folder, TASK/ID.
            var parts = full[uploads.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                continue;
            }

            var folder = Path.Combine(uploads, parts[0], parts[1]);
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                    log.LogInformation("Training {Task}: removed the uploaded dataset in {Folder}", request.Task, folder);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.LogWarning("Training {Task}: could not remove the uploaded dataset in {Folder}: {Reason}", request.Task, folder, ex.Message);
            }
        }
    }
}
