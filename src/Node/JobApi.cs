using System.Text.Json;
using System.Text.RegularExpressions;
using MediaCluster.Actors;
using MediaCluster.Actors.Jobs;
using MediaCluster.Media.Reports;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace MediaCluster.Node;

/// <summary>
/// The job routes under /api/jobs (and /api/limits). A job comes from a multipart upload (<see cref="UploadStore"/>)
/// or from a server-side path inside the allowed roots (<see cref="PathPolicy"/>); answers are the shared contracts.
/// </summary>
internal static partial class JobApi
{
    public static void Map(IEndpointRouteBuilder app, IEndpointRouteBuilder operatorRoutes, NodeOptions options)
    {
        // An upload is everyday work; a server path is the operator's (the token, on the management endpoint).
        app.MapPost("/api/jobs", async (HttpContext context, JobsGateway jobs, CancellationToken ct) =>
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            var upload = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
            if (!upload && !Access.IsOperator(context))
            {
                return Error(
                    "a job from a server path is an operator request: send it with the token to the management endpoint (Node:ManagementAddress); here, upload the file (multipart/form-data)",
                    StatusCodes.Status403Forbidden);
            }

            var (spec, error, status) = upload
                ? await UploadStore.ReceiveAsync(context, type!, id, options, ct)
                : await PathPolicy.ReadSubmissionAsync(context, id, options, ct);
            if (spec is null)
            {
                return Results.Json(new ApiError(error!), ApiJson.Options, statusCode: status);
            }

            // An upload is deleted only when the job was never registered; once it is, the job may start even if this
            // request saw no answer (a start is idempotent by id), so its input stays.
            try
            {
                await jobs.RegisterAsync(spec.JobId, ct);
            }
            catch when (spec.OwnsInput)
            {
                UploadStore.Delete(Path.GetDirectoryName(spec.InputPath)!);
                throw;
            }

            var started = await jobs.StartRegisteredAsync(spec, ct);
            if (Actors.Jobs.JobPaths.WasRefused(started))
            {
                // The node that would run it refused its paths (nodes with different roots): said, ended, nothing kept.
                jobs.EndRegistered(spec.JobId, JobState.Failed, started.Error);
                if (spec.OwnsInput)
                {
                    UploadStore.Delete(Path.GetDirectoryName(spec.InputPath)!);
                }

                return Error(started.Error, StatusCodes.Status400BadRequest);
            }

            return Results.Json(new SubmitResponse(id, MediaJob.TitleOf(spec)), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapGet("/api/limits", () => Results.Json(new NodeLimits(options.MaxUploadBytes), ApiJson.Options));
        app.MapGet("/api/jobs", async (HttpContext context, JobsGateway jobs, CancellationToken ct) =>
        {
            // Newest first, a page at a time: ?limit=N (1–1000, default 100) and ?after=ID (the last job of the page
            // before); a next page is announced in a Link header (rel="next").
            var query = context.Request.Query;
            var limit = DefaultPage;
            if (query.TryGetValue("limit", out var limitText)
                && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPage))
            {
                return Error($"limit must be a whole number from 1 to {MaxPage}", StatusCodes.Status400BadRequest);
            }

            var after = query.TryGetValue("after", out var afterText) ? afterText.ToString() : null;
            if (after is not null && !JobId().IsMatch(after))
            {
                return Error($"after must be a job id (the last one of the page before)", StatusCodes.Status400BadRequest);
            }

            var page = await jobs.ListAsync(limit, after, ct);
            if (page.Next is { } next)
            {
                context.Response.Headers.Link = $"</api/jobs?limit={limit}&after={next}>; rel=\"next\"";
            }

            return Results.Json(page.Jobs.Select(View), ApiJson.Options);
        });
        app.MapGet("/api/jobs/{id}", async (string id, JobsGateway jobs, CancellationToken ct) =>
            await jobs.FindAsync(id, ct) is { } job ? Results.Json(View(job), ApiJson.Options) : NoSuchJob(id));
        app.MapGet("/api/jobs/{id}/events", async (string id, HttpContext context, JobsGateway jobs, CancellationToken ct) =>
        {
            if (!await ExistsAsync(jobs, id, ct))
            {
                await NoSuchJob(id).ExecuteAsync(context);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await foreach (var update in jobs.FollowAsync(id, ct))
            {
                await context.Response.WriteAsync($"event: progress\ndata: {JsonSerializer.Serialize(View(update), ApiJson.Options)}\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
            }
        });
        app.MapDelete("/api/jobs/{id}", async (string id, JobsGateway jobs, CancellationToken ct) =>
        {
            if (await jobs.FindAsync(id, ct) is not { } job)
            {
                return NoSuchJob(id);
            }

            if (job.IsTerminal)
            {
                return Error($"job '{id}' has already ended ({JobInfo.StateName(job.State)}); there is nothing to cancel", StatusCodes.Status409Conflict);
            }

            var after = await jobs.CancelAsync(id, "cancelled through the API", ct);
            return Results.Json(View(after), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapPost("/api/jobs/{id}/retry", async (string id, JobsGateway jobs, CancellationToken ct) =>
        {
            if (await jobs.FindAsync(id, ct) is null)
            {
                return NoSuchJob(id);
            }

            var result = await jobs.RetryAsync(id, ct);
            return result.Refused.Length > 0
                ? Error(result.Refused, StatusCodes.Status409Conflict)
                : Results.Json(View(result.Progress), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapGet("/api/jobs/{id}/artifacts", async (string id, JobsGateway jobs, CancellationToken ct) =>
            await ExistsAsync(jobs, id, ct)
                ? Results.Ok(JobOutput.All.Select(a => a.Name).Where(name => File.Exists(Path.Combine(options.ResultsRoot, id, name))))
                : NoSuchJob(id));
        app.MapMethods("/api/jobs/{id}/media", [HttpMethods.Get, HttpMethods.Head], (string id) =>
        {
            var folder = Path.Combine(options.ResultsRoot, id);
            var media = JobId().IsMatch(id) && Directory.Exists(folder) ? Directory.EnumerateFiles(folder, JobOutput.MediaFileName + ".*").FirstOrDefault() : null;
            return media is null
                ? Error($"job '{id}' has no media kept (only a completed upload's or live session's is; one read from a server path stays there)", StatusCodes.Status404NotFound)
                : ContentTypes.TryGetContentType(media, out var type) && (type.StartsWith("audio/", StringComparison.Ordinal) || type.StartsWith("video/", StringComparison.Ordinal))
                    ? Results.File(media, type, enableRangeProcessing: true)
                    // Anything else (an upload named x.html, say) is never shown inline: a download of bytes.
                    : Results.File(media, "application/octet-stream", "media" + Path.GetExtension(media), enableRangeProcessing: true);
        });
        app.MapGet("/api/jobs/{id}/artifacts/{name}", (string id, string name) =>
        {
            if (JobOutput.Find(name) is not { } artifact || !JobId().IsMatch(id))
            {
                return Error($"no artifact '{name}' (known: {string.Join(", ", JobOutput.All.Select(a => a.Name))})", StatusCodes.Status404NotFound);
            }

            var path = Path.Combine(options.ResultsRoot, id, name);
            return File.Exists(path)
                ? Results.File(path, artifact.ContentType, name)
                : Error($"job '{id}' has no '{name}' (yet)", StatusCodes.Status404NotFound);
        });
    }

    /// <summary>Jobs in a page of GET /api/jobs when the client names no limit, and the most it may ask for.</summary>
    public const int DefaultPage = 100, MaxPage = 1000;

    private static readonly Microsoft.AspNetCore.StaticFiles.FileExtensionContentTypeProvider ContentTypes = new();

    private static async Task<bool> ExistsAsync(JobsGateway jobs, string id, CancellationToken ct) =>
        await jobs.FindAsync(id, ct) is not null;

    private static IResult NoSuchJob(string id) => Error($"no job '{id}'", StatusCodes.Status404NotFound);

    /// <summary>A refusal with its reason, as every route gives one.</summary>
    internal static IResult Error(string message, int status) => Results.Json(new ApiError(message), ApiJson.Options, statusCode: status);

    private static JobInfo View(JobProgress progress) => JobInfo.Of(progress, DateTimeOffset.UtcNow);

    [GeneratedRegex("^[0-9a-z][0-9a-z-]{0,63}$")]
    private static partial Regex JobId();
}
