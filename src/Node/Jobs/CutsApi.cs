using System.Text.Json;
using System.Text.RegularExpressions;
using MediaCluster.Actors.Jobs;
using MediaCluster.Media;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Video;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;

namespace MediaCluster.Node.Jobs;

/// <summary>
/// A completed video job's media cut at its scenes, on request: <c>POST /api/jobs/ID/cuts/chapters</c> (a copy with a
/// chapter per scene) and <c>POST /api/jobs/ID/cuts/split</c> (a file per scene), made once into the results' <c>cuts/</c>
/// folder and fetched from <c>GET /api/jobs/ID/cuts/NAME</c>. Only media the node kept (an upload's) is cut; ffmpeg runs
/// one cut at a time on a node, within a deadline set by the media's length.
/// </summary>
internal static partial class CutsApi
{
    /// <summary>The folder, inside a job's results, that holds its cuts.</summary>
    public const string FolderName = "cuts";

    /// <summary>The largest scenes.json read back (about 40 000 scenes).</summary>
    private const int MaxScenesJsonBytes = 16 << 20;

    private static readonly SemaphoreSlim s_oneAtATime = new(1, 1);
    private static readonly FileExtensionContentTypeProvider s_contentTypes = new();

    public static void Map(IEndpointRouteBuilder app, NodeOptions options)
    {
        var jobs = app.MapGroup("/api/jobs");
        jobs.MapPost("/{id}/cuts/{kind}", (string id, string kind, JobsGateway gateway, ILoggerFactory logs, CancellationToken ct) =>
            CutAsync(id, kind, gateway, options, logs.CreateLogger("MediaCluster.Node.Cuts"), ct));
        jobs.MapGet("/{id}/cuts/{name}", (string id, string name) => Serve(id, name, options));
    }

    private static async Task<Results<Ok<SceneCuts>, JsonHttpResult<ApiError>>> CutAsync(
        string id, string kind, JobsGateway jobs, NodeOptions options, ILogger logger, CancellationToken ct)
    {
        if (kind is not ("chapters" or "split"))
        {
            return ApiErrors.Of($"no cut '{kind}': POST cuts/chapters (a copy with a chapter per scene) or cuts/split (a file per scene)", StatusCodes.Status404NotFound);
        }

        if (!JobApi.JobId().IsMatch(id) || await jobs.FindAsync(id, ct) is not { } job)
        {
            return ApiErrors.NoSuchJob(id);
        }

        var results = Path.Combine(options.ResultsRoot, id);
        var scenesJson = Path.Combine(results, JobOutput.ScenesJson.Name);
        if (job.State != JobState.Completed)
        {
            return ApiErrors.Of($"job {id} is {JobInfo.Of(job, DateTimeOffset.UtcNow).State}: its video is cut at its scenes once it has completed", StatusCodes.Status409Conflict);
        }

        if (!File.Exists(scenesJson))
        {
            return ApiErrors.Of($"job {id} has no scenes to cut at: its media has no pictures", StatusCodes.Status409Conflict);
        }

        if (Directory.EnumerateFiles(results, JobOutput.MediaFileName + ".*").FirstOrDefault() is not { } media)
        {
            return ApiErrors.Of($"job {id}'s media is not kept (only an upload's is; one read from a server path stays there): there is nothing to cut", StatusCodes.Status409Conflict);
        }

        await s_oneAtATime.WaitAsync(ct);
        try
        {
            var folder = Path.Combine(results, FolderName);
            var manifest = Path.Combine(folder, $"{kind}.json");
            if (File.Exists(manifest) && Read(manifest) is { } made && made.Files.All(f => File.Exists(Path.Combine(folder, f.Name))))
            {
                return TypedResults.Ok(made);
            }

            if (new FileInfo(scenesJson).Length > MaxScenesJsonBytes)
            {
                return ApiErrors.Of($"job {id}'s scenes.json is over {MaxScenesJsonBytes >> 20} MiB: it is not read", StatusCodes.Status422UnprocessableEntity);
            }

            var scenes = SceneFormats.ParseJson(await File.ReadAllTextAsync(scenesJson, ct));
            var probed = await MediaProbe.ProbeMediaAsync(media, ct);
            var deadline = FfmpegJob.DeadlineFor(probed.Duration);
            // Each ffmpeg run is stopped past the deadline, and so is the whole cut (a video of many scenes is many runs).
            using var within = CancellationTokenSource.CreateLinkedTokenSource(ct);
            within.CancelAfter(deadline);
            var started = System.Diagnostics.Stopwatch.StartNew();
            Directory.CreateDirectory(folder);
            SceneCuts cuts;
            if (kind == "chapters")
            {
                var name = "chapters" + VideoCuts.ExtensionFor(media);
                await VideoCuts.WriteChaptersAsync(media, scenes, Path.Combine(folder, name), deadline, within.Token);
                cuts = new SceneCuts(kind, [new SceneCutFile(name, new FileInfo(Path.Combine(folder, name)).Length, null, 0, Math.Round(probed.Duration?.TotalSeconds ?? 0, 3), true, $"stream copy with {scenes.Count} chapters")]);
            }
            else
            {
                var split = await VideoCuts.SplitAsync(media, scenes, probed.Video?.FrameRate ?? 0, folder, deadline, within.Token);
                cuts = new SceneCuts(kind, [.. split.Select(c => new SceneCutFile(
                    c.Name, new FileInfo(Path.Combine(folder, c.Name)).Length, c.Scene + 1, Math.Round(c.Start.TotalSeconds, 3), Math.Round(c.End.TotalSeconds, 3), c.Copied, c.Note))]);
            }

            await AtomicFile.WriteTextAsync(manifest, JsonSerializer.Serialize(cuts, ApiJson.Options), ct);
            logger.LogInformation(
                "Job {JobId}: cut its video ({Kind}) into {Files} file(s) in {Seconds:0.0} s, {Reencoded} re-encoded",
                id, kind, cuts.Files.Count, started.Elapsed.TotalSeconds, cuts.Files.Count(f => !f.Copied));
            return TypedResults.Ok(cuts);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("Job {JobId}: cutting its video ({Kind}) ran past its deadline and was stopped", id, kind);
            return ApiErrors.Of($"job {id}'s video could not be cut in the time its length allows, so it was stopped; ask again when the node is less busy", StatusCodes.Status503ServiceUnavailable);
        }
        catch (MediaException ex)
        {
            logger.LogWarning("Job {JobId}: cutting its video ({Kind}) failed: {Error}", id, kind, ex.Message);
            return ApiErrors.Of($"job {id}'s video could not be cut: {ex.Message}", ex.Kind == MediaErrorKind.TimedOut ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status422UnprocessableEntity);
        }
        finally
        {
            s_oneAtATime.Release();
        }
    }

    /// <summary>A manifest written before, or null when it does not read (it is then made again).</summary>
    private static SceneCuts? Read(string manifest)
    {
        try
        {
            return new FileInfo(manifest).Length <= MaxScenesJsonBytes ? JsonSerializer.Deserialize<SceneCuts>(File.ReadAllText(manifest), ApiJson.Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Results<PhysicalFileHttpResult, JsonHttpResult<ApiError>> Serve(string id, string name, NodeOptions options)
    {
        var path = Path.Combine(options.ResultsRoot, id, FolderName, name);
        if (!JobApi.JobId().IsMatch(id) || !CutName().IsMatch(name) || !File.Exists(path))
        {
            return ApiErrors.Of($"job '{id}' has no cut '{name}' (POST /api/jobs/{id}/cuts/chapters or /split makes them)", StatusCodes.Status404NotFound);
        }

        return TypedResults.PhysicalFile(path, s_contentTypes.TryGetContentType(name, out var type) ? type : "application/octet-stream", name, enableRangeProcessing: true);
    }

    [GeneratedRegex(@"^(chapters|scene-[0-9]{3,6})\.(mp4|m4v|mov|mkv|webm)$")]
    private static partial Regex CutName();
}
