using System.Text.Json;
using MediaCluster.Actors;
using MediaCluster.Actors.Training;
using MediaCluster.Messages.Api;

namespace MediaCluster.Node;

/// <summary>The model routes under /api/models (pbm's model palette): the registry, training runs, promotion.</summary>
internal static class ModelApi
{
    public static void Map(WebApplication app, NodeOptions options)
    {
        app.MapGet("/api/models", async (string? task, MediaNode node) =>
            Results.Json((await node.Models.ListAsync(task)).Select(Info), ApiJson.Options));
        app.MapGet("/api/models/{task}/{version:int}", async (string task, int version, MediaNode node) =>
            await node.Models.FindAsync(task, version) is { } found
                ? Results.Json(new ModelDetail(Info(found), Parse(found.Config), Parse(found.Metrics), found.ArtifactPath), ApiJson.Options)
                : JobApi.Error($"the registry has no {task} v{version}", StatusCodes.Status404NotFound));
        app.MapPost("/api/models/{task}/train", async (string task, TrainRequest request, MediaNode node, CancellationToken ct) =>
        {
            if (request.Paths is not { Count: > 0 } paths)
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

            var accepted = await node.TrainAsync(task, checkedPaths, "api", ct);
            return accepted.Error is { Length: > 0 } error
                ? JobApi.Error(error, StatusCodes.Status400BadRequest)
                : Results.Json(new TrainResponse(accepted.Task, accepted.DatasetHash, accepted.AlreadyTrained, accepted.Version), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapPost("/api/models/{task}/promote", async (string task, PromoteRequest request, MediaNode node, CancellationToken ct) =>
        {
            var result = await node.PromoteModelAsync(task, request.Version, ct);
            return result.Error is { Length: > 0 } error
                ? JobApi.Error(error, StatusCodes.Status404NotFound)
                : Results.Json(new ClusterCommandResult($"{task} v{request.Version} promoted"), ApiJson.Options);
        });
        app.MapGet("/api/trainer", async (MediaNode node, CancellationToken ct) =>
        {
            var status = await node.TrainerStatusAsync(ct);
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
