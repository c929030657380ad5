using System.Text.Json;
using MediaCluster.Actors.Training;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;
using MediaCluster.Node.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace MediaCluster.Node.Models;

/// <summary>
/// The model routes under /api/models (pbm's model palette) and /api/trainer: the registry and training on an uploaded
/// dataset (everyday); training on server paths and promotion (the operator's, on the management endpoint only).
/// </summary>
internal static class ModelApi
{
    public static void Map(IEndpointRouteBuilder app, IEndpointRouteBuilder operatorRoutes, NodeOptions options)
    {
        var models = app.MapGroup("/api/models");
        models.MapGet(string.Empty, async (string? task, ModelRegistry registry) =>
            TypedResults.Json((await registry.ListAsync(task)).Select(Info).ToArray(), ApiJson.Options));
        models.MapGet("/{task}/{version:int}", FindAsync);
        models.MapPost("/{task}/train", (string task, HttpContext context, TrainingGateway training, CancellationToken ct) => TrainAsync(task, context, training, options, ct));
        operatorRoutes.MapPost("/api/models/{task}/promote", PromoteAsync);
        app.MapGet("/api/trainer", TrainerAsync);
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
