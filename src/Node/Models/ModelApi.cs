using System.Text.Json;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Training;
using MediaCluster.Media;
using MediaCluster.Media.Learning;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;
using MediaCluster.Node.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace MediaCluster.Node.Models;

/// <summary>
/// The model routes under /api/models (pbm's model palette) and /api/trainer: the registry and training on an uploaded
/// dataset and cancelling a task's runs (everyday); training on server paths and promotion (the operator's, on the management endpoint only).
/// </summary>
internal static class ModelApi
{
    public static void Map(IEndpointRouteBuilder app, IEndpointRouteBuilder operatorRoutes, NodeOptions options)
    {
        var models = app.MapGroup("/api/models");
        models.MapGet(string.Empty, async (string? task, ModelRegistry registry) =>
            TypedResults.Json((await registry.ListAsync(task)).Select(Info).ToArray(), ApiJson.Options));
        models.MapGet("/tasks", TasksAsync);
        models.MapPost("/tasks", DefineAsync);
        models.MapGet("/{task}/{version:int}", FindAsync);
        models.MapPost("/{task}/predict", (string task, HttpContext context, Predictions predictions, CancellationToken ct) => PredictAsync(task, context, predictions, options, ct));
        models.MapPost("/{task}/train", (string task, HttpContext context, TrainingGateway training, CancellationToken ct) => TrainAsync(task, context, training, options, ct));
        models.MapPost("/{task}/cancel", CancelAsync);
        operatorRoutes.MapPost("/api/models/{task}/promote", PromoteAsync);
        app.MapGet("/api/trainer", TrainerAsync);
    }

    /// <summary>Files a predict request may carry at once.</summary>
    public const int MaxPredictFiles = 64;

    private static async Task<JsonHttpResult<TaskInfo[]>> TasksAsync(NodeEngines engines, ModelRegistry registry)
    {
        var promoted = (await registry.ListAsync()).Where(v => v.Status == ModelStatus.Promoted).ToDictionary(v => v.Task, v => v.Version);
        var builtIn = engines.LearningTasks.Select(t => new TaskInfo(
            t.Name, t is TextTask ? TextTask.Kind : "scene", true, t.Labels, 0, JsonSerializer.SerializeToElement(t.DefaultConfig), promoted.GetValueOrDefault(t.Name)));
        var defined = (await registry.TasksAsync()).Select(t => new TaskInfo(t.Name, t.Kind, false, t.Labels, t.Size, Parse(t.Config), promoted.GetValueOrDefault(t.Name)));
        return TypedResults.Json(builtIn.Concat(defined).ToArray(), ApiJson.Options);
    }

    private static async Task<Results<JsonHttpResult<TaskInfo>, JsonHttpResult<ApiError>>> DefineAsync(TaskRequest request, TaskCatalog catalog, ILoggerFactory logs)
    {
        if (request.Name is not { Length: > 0 } name || request.Kind is not { Length: > 0 } kind)
        {
            return ApiErrors.Of("'name' and 'kind' (image, clip or text) are required", StatusCodes.Status400BadRequest);
        }

        var learner = TaskCatalog.DefaultLearner(kind);
        ClassifierConfig config;
        try
        {
            config = request.Config is { ValueKind: JsonValueKind.Object } given
                ? (given.Deserialize<ClassifierConfig>() ?? new ClassifierConfig()) with { Trainer = given.TryGetProperty("trainer", out var named) && named.GetString() is { } trainer ? trainer : learner }
                : new ClassifierConfig { Trainer = learner };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return ApiErrors.Of($"the config is not valid: {ex.Message}", StatusCodes.Status400BadRequest);
        }

        var definition = new TaskDefinition(name, kind, request.Labels ?? [], kind == ImageTask.Kind ? request.Size ?? 28 : 0, JsonSerializer.Serialize(config), DateTimeOffset.UtcNow);
        if (await catalog.DefineAsync(definition) is { } refusal)
        {
            return ApiErrors.Of(refusal, StatusCodes.Status400BadRequest);
        }

        logs.CreateLogger("MediaCluster.Node.Models").LogInformation("Task {Task} defined: {Kind}, {Labels} label(s), learner {Learner}", name, kind, definition.Labels.Count, config.Trainer);
        return TypedResults.Json(new TaskInfo(name, kind, false, definition.Labels, definition.Size, JsonSerializer.SerializeToElement(config), 0), ApiJson.Options, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Files uploaded (multipart, within the upload limit and <see cref="MaxPredictFiles"/>), each labelled by the task's promoted model.</summary>
    private static async Task<Results<JsonHttpResult<PredictionInfo[]>, JsonHttpResult<ApiError>>> PredictAsync(
        string task, HttpContext context, Predictions predictions, NodeOptions options, CancellationToken ct)
    {
        if (!context.Request.HasFormContentType)
        {
            return ApiErrors.Of("send the files as multipart/form-data", StatusCodes.Status400BadRequest);
        }

        context.Features.Set<Microsoft.AspNetCore.Http.Features.IFormFeature>(new Microsoft.AspNetCore.Http.Features.FormFeature(
            context.Request,
            new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = options.MaxUploadBytes, ValueCountLimit = MaxPredictFiles + 8 }));
        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(ct);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return ApiErrors.Of($"the upload could not be read: {ex.Message}", StatusCodes.Status400BadRequest);
        }

        if (form.Files.Count is 0 or > MaxPredictFiles)
        {
            return ApiErrors.Of($"send 1–{MaxPredictFiles} files (got {form.Files.Count})", StatusCodes.Status400BadRequest);
        }

        var folder = Path.Combine(options.DataDirectory, "uploads", "predict-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        try
        {
            var files = new List<(string, string)>();
            for (var i = 0; i < form.Files.Count; i++)
            {
                var file = form.Files[i];
                var extension = Path.GetExtension(file.FileName).ToLowerInvariant();
                var path = Path.Combine(folder, $"{i}{(extension.Length <= 8 && extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension : string.Empty)}");
                await using (var target = File.Create(path))
                {
                    await file.CopyToAsync(target, ct);
                }

                files.Add((Path.GetFileName(file.FileName), path));
            }

            return TypedResults.Json((await predictions.PredictAsync(task, files, ct)).ToArray(), ApiJson.Options);
        }
        catch (Exception ex) when (ex is MediaException or KeyNotFoundException)
        {
            return ApiErrors.Of(ex.Message, StatusCodes.Status400BadRequest);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<Results<JsonHttpResult<ModelDetail>, JsonHttpResult<ApiError>>> FindAsync(string task, int version, ModelRegistry registry) =>
        await registry.FindAsync(task, version) is { } found
            ? TypedResults.Json(new ModelDetail(Info(found), Parse(found.Config), Parse(found.Metrics), found.ArtifactPath), ApiJson.Options)
            : ApiErrors.Of($"the registry has no {task} v{version}", StatusCodes.Status404NotFound);

    /// <summary>An uploaded dataset (everyday), or server paths (the operator's).</summary>
    private static async Task<Results<JsonHttpResult<TrainResponse>, JsonHttpResult<ApiError>>> TrainAsync(
        string task, HttpContext context, TrainingGateway training, NodeOptions options, CancellationToken ct)
    {
        if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var (folder, refusal, status) = await DatasetUpload.ReceiveAsync(context, type, task, options, ct);

            // From here the trainer owns the unpacked upload: it removes it once no run will read it.
            return folder is null ? ApiErrors.Of(refusal!, status) : await AskAsync(training, task, [folder], "upload", ct);
        }

        if (!Access.IsOperator(context))
        {
            return ApiErrors.Of(
                "training on server paths is an operator request: send it with the token to the management endpoint (Node:ManagementAddress); here, upload the dataset (multipart/form-data)",
                StatusCodes.Status403Forbidden);
        }

        var (paths, error) = await ServerPathsAsync(context, options, ct);
        return paths is null ? ApiErrors.Of(error!, StatusCodes.Status400BadRequest) : await AskAsync(training, task, paths, "api", ct);
    }

    /// <summary>The request's {"paths": […]}, each inside the allowed roots; or why not.</summary>
    private static async Task<(IReadOnlyList<string>? Paths, string? Error)> ServerPathsAsync(HttpContext context, NodeOptions options, CancellationToken ct)
    {
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
            return (null, "'paths' is required: dataset files or folders the node can read");
        }

        var checkedPaths = new List<string>();
        foreach (var path in paths)
        {
            if (PathPolicy.Check(path, options, out var full) is { } refusal)
            {
                return (null, refusal);
            }

            checkedPaths.Add(full);
        }

        return (checkedPaths, null);
    }

    private static async Task<Results<JsonHttpResult<TrainResponse>, JsonHttpResult<ApiError>>> AskAsync(
        TrainingGateway training, string task, IReadOnlyList<string> paths, string origin, CancellationToken ct)
    {
        var accepted = await training.TrainAsync(task, paths, origin, ct);
        return accepted.Error is { Length: > 0 } error
            ? ApiErrors.Of(error, StatusCodes.Status400BadRequest)
            : TypedResults.Json(new TrainResponse(accepted.Task, accepted.DatasetHash, accepted.AlreadyTrained, accepted.Version), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<Results<JsonHttpResult<ClusterCommandResult>, JsonHttpResult<ApiError>>> PromoteAsync(
        string task, PromoteRequest request, TrainingGateway training, CancellationToken ct)
    {
        var result = await training.PromoteAsync(task, request.Version, ct);
        return result.Error is { Length: > 0 } error
            ? ApiErrors.Of(error, StatusCodes.Status404NotFound)
            : TypedResults.Json(new ClusterCommandResult($"{task} v{request.Version} promoted"), ApiJson.Options);
    }

    private static async Task<Results<JsonHttpResult<ClusterCommandResult>, JsonHttpResult<ApiError>>> CancelAsync(
        string task, TrainingGateway training, CancellationToken ct)
    {
        var result = await training.CancelAsync(task, ct);
        return result.Error is { Length: > 0 } error
            ? ApiErrors.Of(error, StatusCodes.Status404NotFound)
            : TypedResults.Json(new ClusterCommandResult($"{task}: cancelled the run(s) on dataset(s) {string.Join(", ", result.DatasetHashes)}"), ApiJson.Options);
    }

    private static async Task<JsonHttpResult<TrainerInfo>> TrainerAsync(TrainingGateway training, CancellationToken ct)
    {
        var status = await training.StatusAsync(ct);
        return TypedResults.Json(
            new TrainerInfo(
                status.RunningTask is { Length: > 0 } running ? running : null,
                status.RunningDatasetHash is { Length: > 0 } hash ? hash : null,
                status.Phase,
                status.Queued,
                [.. status.Recent.Select(r => new TrainingRunInfo(r.Task, r.DatasetHash, r.Version, r.Status, r.Reason))]),
            ApiJson.Options);
    }

    private static ModelInfo Info(ModelVersion version)
    {
        using var metrics = JsonDocument.Parse(version.Metrics);
        var test = metrics.RootElement.GetProperty("test");
        return new ModelInfo(
            version.Task, version.Version, version.Status.Text(), version.Reason, version.DatasetHash, version.Created,
            metrics.RootElement.GetProperty("examples").GetInt32(), test.GetProperty("accuracy").GetDouble(), test.GetProperty("macro_f1").GetDouble());
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
