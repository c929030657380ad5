using System.IO.Compression;
using System.Text.Json;
using MediaCluster.Actors;
using MediaCluster.Actors.Training;
using MediaCluster.Messages.Api;

namespace MediaCluster.Node;

/// <summary>
/// The model routes under /api/models (pbm's model palette): the registry and training on an uploaded dataset
/// (everyday); training on server paths and promotion (the operator's, on the management endpoint only).
/// </summary>
internal static class ModelApi
{
    public static void Map(IEndpointRouteBuilder app, IEndpointRouteBuilder operatorRoutes, NodeOptions options)
    {
        app.MapGet("/api/models", async (string? task, ModelRegistry models) =>
            Results.Json((await models.ListAsync(task)).Select(Info), ApiJson.Options));
        app.MapGet("/api/models/{task}/{version:int}", async (string task, int version, ModelRegistry models) =>
            await models.FindAsync(task, version) is { } found
                ? Results.Json(new ModelDetail(Info(found), Parse(found.Config), Parse(found.Metrics), found.ArtifactPath), ApiJson.Options)
                : JobApi.Error($"the registry has no {task} v{version}", StatusCodes.Status404NotFound));
        app.MapPost("/api/models/{task}/train", async (string task, HttpContext context, TrainingGateway training, CancellationToken ct) =>
        {
            if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
                && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                var (folder, refusal, status) = await ReceiveDatasetAsync(context, type, task, options, ct);
                if (folder is null)
                {
                    return JobApi.Error(refusal!, status);
                }

                // From here the trainer owns the unpacked upload: it removes it once no run will read it.
                return await TrainAsync(training, task, [folder], "upload", ct);
            }

            if (!Access.IsOperator(context))
            {
                return JobApi.Error(
                    "training on server paths is an operator request: send it with the token to the management endpoint (Node:ManagementAddress); here, upload the dataset (multipart/form-data)",
                    StatusCodes.Status403Forbidden);
            }

            TrainRequest? request;
            try
            {
                request = await context.Request.ReadFromJsonAsync<TrainRequest>(ApiJson.Options, ct);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                request = null;
            }

            if (request?.Paths is not { Count: > 0 } paths)
            {
                return JobApi.Error("'paths' is required: dataset files or folders the node can read", StatusCodes.Status400BadRequest);
            }

            var checkedPaths = new List<string>();
            foreach (var path in paths)
            {
                if (PathPolicy.Check(path, options, out var full) is { } refusal)
                {
                    return JobApi.Error(refusal, StatusCodes.Status400BadRequest);
                }

                checkedPaths.Add(full);
            }

            return await TrainAsync(training, task, checkedPaths, "api", ct);
        });
        operatorRoutes.MapPost("/api/models/{task}/promote", async (string task, PromoteRequest request, TrainingGateway training, CancellationToken ct) =>
        {
            var result = await training.PromoteAsync(task, request.Version, ct);
            return result.Error is { Length: > 0 } error
                ? JobApi.Error(error, StatusCodes.Status404NotFound)
                : Results.Json(new ClusterCommandResult($"{task} v{request.Version} promoted"), ApiJson.Options);
        });
        app.MapGet("/api/trainer", async (TrainingGateway training, CancellationToken ct) =>
        {
            var status = await training.StatusAsync(ct);
            return Results.Json(
                new TrainerInfo(
                    status.RunningTask is { Length: > 0 } running ? running : null,
                    status.RunningDatasetHash is { Length: > 0 } hash ? hash : null,
                    status.Phase,
                    status.Queued,
                    [.. status.Recent.Select(r => new TrainingRunInfo(r.Task, r.DatasetHash, r.Version, r.Status, r.Reason))]),
                ApiJson.Options);
        });
    }

    private static async Task<IResult> TrainAsync(TrainingGateway training, string task, IReadOnlyList<string> paths, string origin, CancellationToken ct)
    {
        var accepted = await training.TrainAsync(task, paths, origin, ct);
        return accepted.Error is { Length: > 0 } error
            ? JobApi.Error(error, StatusCodes.Status400BadRequest)
            : Results.Json(new TrainResponse(accepted.Task, accepted.DatasetHash, accepted.AlreadyTrained, accepted.Version), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// An uploaded dataset (one file, within Node:MaxUploadBytes): a labels CSV as it is, or a zip of a dataset folder
    /// (labels CSVs or MovieShots JSON with the files they name), unpacked under DATASETS/.uploads/TASK/ID — a hidden
    /// folder the watcher does not look at — where the trainer reads it. A zip entry leaving the folder (.NET refuses
    /// it), or more than 4 × the upload limit unpacked, is refused and nothing is kept.
    /// </summary>
    private static async Task<(string? Folder, string? Error, int Status)> ReceiveDatasetAsync(
        HttpContext context, Microsoft.Net.Http.Headers.MediaTypeHeaderValue type, string task, NodeOptions options, CancellationToken ct)
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
        var folder = Path.Combine(options.DatasetsRoot, Trainer.UploadsFolder, task, id);
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

    private static ModelInfo Info(ModelVersion version)
    {
        using var metrics = JsonDocument.Parse(version.Metrics);
        var test = metrics.RootElement.GetProperty("test");
        return new ModelInfo(
            version.Task, version.Version, version.Status, version.Reason, version.DatasetHash, version.Created,
            metrics.RootElement.GetProperty("examples").GetInt32(), test.GetProperty("accuracy").GetDouble(), test.GetProperty("macro_f1").GetDouble());
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
