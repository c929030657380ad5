using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Training;
using MediaCluster.Media.Reports;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace MediaCluster.Node.Jobs;

/// <summary>
/// The job routes under /api/jobs (and /api/limits). A job comes from a multipart upload (<see cref="UploadStore"/>)
/// or from a server-side path inside the allowed roots (<see cref="PathPolicy"/>); answers are the shared contracts,
/// refusals the one error shape (<see cref="ApiErrors"/>).
/// </summary>
internal static partial class JobApi
{
    /// <summary>Jobs in a page of GET /api/jobs when the client names no limit, and the most it may ask for.</summary>
    public const int DefaultPage = 100, MaxPage = 1000;

    private static readonly FileExtensionContentTypeProvider s_contentTypes = new();

    public static void Map(IEndpointRouteBuilder app, NodeOptions options)
    {
        app.MapGet("/api/limits", () => TypedResults.Json(new NodeLimits(options.MaxUploadBytes), ApiJson.Options));
        var jobs = app.MapGroup("/api/jobs");
        jobs.MapPost(string.Empty, (HttpContext context, JobsGateway gateway, TaskCatalog catalog, ModelRegistry registry, CancellationToken ct) =>
            SubmitAsync(context, gateway, catalog, registry, options, ct));
        jobs.MapGet(string.Empty, ListAsync);
        jobs.MapGet("/{id}", async Task<Results<JsonHttpResult<JobInfo>, JsonHttpResult<ApiError>>> (string id, JobsGateway gateway, CancellationToken ct) =>
            await gateway.FindAsync(id, ct) is { } job ? View(job) : ApiErrors.NoSuchJob(id));
        jobs.MapGet("/{id}/events", EventsAsync);
        jobs.MapDelete("/{id}", CancelAsync);
        jobs.MapPost("/{id}/retry", RetryAsync);
        jobs.MapGet("/{id}/artifacts", async Task<Results<Ok<string[]>, JsonHttpResult<ApiError>>> (string id, JobsGateway gateway, CancellationToken ct) =>
            await gateway.FindAsync(id, ct) is not null
                ? TypedResults.Ok(JobOutput.All.Select(a => a.Name).Where(name => File.Exists(Path.Combine(options.ResultsRoot, id, name))).ToArray())
                : ApiErrors.NoSuchJob(id));
        jobs.MapMethods("/{id}/media", [HttpMethods.Get, HttpMethods.Head], (string id) => Media(id, options));
        jobs.MapGet("/{id}/artifacts/{name}", (string id, string name) => Artifact(id, name, options));
        jobs.MapGet("/{id}/speakers", (string id, JobsGateway gateway, CancellationToken ct) => SpeakersAsync(id, gateway, options, ct));
        jobs.MapGet("/{id}/timeline", (string id, JobsGateway gateway, CancellationToken ct) => TimelineAsync(id, gateway, options, ct));
        jobs.MapPost("/{id}/speakers/{speaker}", RenameSpeakerAsync);
    }

    /// <summary>A completed job's speakers as its transcript names them (none when diarization was off).</summary>
    private static async Task<Results<Ok<SpeakerInfo[]>, JsonHttpResult<ApiError>>> SpeakersAsync(string id, JobsGateway jobs, NodeOptions options, CancellationToken ct)
    {
        if (!JobId().IsMatch(id) || await jobs.FindAsync(id, ct) is not { } job)
        {
            return ApiErrors.NoSuchJob(id);
        }

        var path = Path.Combine(options.ResultsRoot, id, JobOutput.TranscriptJson.Name);
        if (job.State != JobState.Completed || !File.Exists(path))
        {
            return ApiErrors.Of($"job {id} has no results yet: its speakers are listed once it has completed", StatusCodes.Status409Conflict);
        }

        var speakers = TranscriptFormats.ParseJson(await File.ReadAllTextAsync(path, ct)).Speakers;
        return TypedResults.Ok(speakers is null
            ? []
            : speakers.SpeakingTime().Select(s => new SpeakerInfo(s.Speaker, speakers.NameOf(s.Speaker), Math.Round(s.Time.TotalSeconds, 3), speakers.Turns.Count(t => t.Speaker == s.Speaker))).ToArray());
    }

    /// <summary>A completed job's timeline (<see cref="JobTimeline"/>): its phases, and each segment and scene on the member that did it.</summary>
    private static async Task<IResult> TimelineAsync(string id, JobsGateway jobs, NodeOptions options, CancellationToken ct)
    {
        if (!JobId().IsMatch(id) || await jobs.FindAsync(id, ct) is not { } job)
        {
            return ApiErrors.NoSuchJob(id);
        }

        return job.State == JobState.Completed && await JobTimeline.ReadAsync(Path.Combine(options.ResultsRoot, id), ct) is { } timeline
            ? TypedResults.Text(timeline.Json(), "application/json; charset=utf-8")
            : ApiErrors.Of($"job {id} has no timeline: a job's timeline is kept when it completes (jobs of earlier releases kept none)", StatusCodes.Status409Conflict);
    }

    /// <summary>Names a completed job's speaker: recorded in the job's journal, then its transcript files are written again.</summary>
    private static async Task<Results<Ok<SpeakerInfo[]>, JsonHttpResult<ApiError>>> RenameSpeakerAsync(
        string id, string speaker, RenameSpeakerRequest request, JobsGateway jobs, NodeOptions options, CancellationToken ct)
    {
        if (!JobId().IsMatch(id) || await jobs.FindAsync(id, ct) is null)
        {
            return ApiErrors.NoSuchJob(id);
        }

        if (request.Name is null)
        {
            return ApiErrors.Of("send JSON {\"name\": \"…\"}", StatusCodes.Status400BadRequest);
        }

        var result = await jobs.RenameSpeakerAsync(id, speaker, request.Name, ct);
        return result.Refused.Length > 0 ? ApiErrors.Of(result.Refused, StatusCodes.Status409Conflict) : await SpeakersAsync(id, jobs, options, ct);
    }

    /// <summary>An upload is everyday work; a server path is the operator's (the token, on the management endpoint).</summary>
    private static async Task<Results<JsonHttpResult<SubmitResponse>, JsonHttpResult<ApiError>>> SubmitAsync(
        HttpContext context, JobsGateway jobs, TaskCatalog catalog, ModelRegistry registry, NodeOptions options, CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        var upload = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        if (!upload && !Access.IsOperator(context))
        {
            return ApiErrors.Of(
                "a job from a server path is an operator request: send it with the token to the management endpoint (Node:ManagementAddress); here, upload the file (multipart/form-data)",
                StatusCodes.Status403Forbidden);
        }

        var (spec, error, status) = upload
            ? await UploadStore.ReceiveAsync(context, type!, id, options, ct)
            : await PathPolicy.ReadSubmissionAsync(context, id, options, ct);
        if (spec is null)
        {
            return ApiErrors.Of(error!, status);
        }

        var (started, refused, refusedStatus) = await StartAsync(spec, jobs, catalog, registry, ct);
        return started is not null
            ? TypedResults.Json(started, ApiJson.Options, statusCode: StatusCodes.Status202Accepted)
            : ApiErrors.Of(refused!, refusedStatus);
    }

    /// <summary>
    /// Starts a received job (its choices checked first); or why not, its upload then deleted. The one way an
    /// upload or a path becomes a job, whichever API it came in by.
    /// </summary>
    internal static async Task<(SubmitResponse? Started, string? Error, int Status)> StartAsync(
        JobSpec spec, JobsGateway jobs, TaskCatalog catalog, ModelRegistry registry, CancellationToken ct)
    {
        if (await JobChoices.CheckAsync(spec, catalog, registry) is { } refusal)
        {
            if (spec.OwnsInput)
            {
                UploadStore.Delete(Path.GetDirectoryName(spec.InputPath)!);
            }

            return (null, refusal, StatusCodes.Status400BadRequest);
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
        if (JobPaths.WasRefused(started))
        {
            // The node that would run it refused its paths (nodes with different roots): said, ended, nothing kept.
            jobs.EndRegistered(spec.JobId, JobState.Failed, started.Error);
            if (spec.OwnsInput)
            {
                UploadStore.Delete(Path.GetDirectoryName(spec.InputPath)!);
            }

            return (null, started.Error, StatusCodes.Status400BadRequest);
        }

        return (new SubmitResponse(spec.JobId, MediaJob.TitleOf(spec)), null, 0);
    }

    /// <summary>
    /// Newest first, a page at a time: ?limit=N (1–1000, default 100) and ?after=ID (the last job of the page before); a
    /// next page is announced in a Link header (rel="next").
    /// </summary>
    private static async Task<Results<JsonHttpResult<JobInfo[]>, JsonHttpResult<ApiError>>> ListAsync(HttpContext context, JobsGateway jobs, CancellationToken ct)
    {
        var query = context.Request.Query;
        var limit = DefaultPage;
        if (query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPage))
        {
            return ApiErrors.Of($"limit must be a whole number from 1 to {MaxPage}", StatusCodes.Status400BadRequest);
        }

        var after = query.TryGetValue("after", out var afterText) ? afterText.ToString() : null;
        if (after is not null && !JobId().IsMatch(after))
        {
            return ApiErrors.Of("after must be a job id (the last one of the page before)", StatusCodes.Status400BadRequest);
        }

        var page = await jobs.ListAsync(limit, after, ct);
        if (page.Next is { } next)
        {
            context.Response.Headers.Link = $"</api/jobs?limit={limit}&after={next}>; rel=\"next\"";
        }

        return TypedResults.Json(page.Jobs.Select(Info).ToArray(), ApiJson.Options);
    }

    /// <summary>The job's progress as server-sent events until it ends.</summary>
    private static async Task EventsAsync(string id, HttpContext context, JobsGateway jobs, CancellationToken ct)
    {
        if (await jobs.FindAsync(id, ct) is null)
        {
            await ApiErrors.NoSuchJob(id).ExecuteAsync(context);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await foreach (var update in jobs.FollowAsync(id, ct))
        {
            await context.Response.WriteAsync($"event: progress\ndata: {JsonSerializer.Serialize(Info(update), ApiJson.Options)}\n\n", ct);
            await context.Response.Body.FlushAsync(ct);
        }
    }

    private static async Task<Results<JsonHttpResult<JobInfo>, JsonHttpResult<ApiError>>> CancelAsync(string id, JobsGateway jobs, CancellationToken ct)
    {
        if (await jobs.FindAsync(id, ct) is not { } job)
        {
            return ApiErrors.NoSuchJob(id);
        }

        if (job.IsTerminal)
        {
            return ApiErrors.Of($"job '{id}' has already ended ({JobInfo.StateName(job.State)}); there is nothing to cancel", StatusCodes.Status409Conflict);
        }

        return View(await jobs.CancelAsync(id, "cancelled through the API", ct), StatusCodes.Status202Accepted);
    }

    private static async Task<Results<JsonHttpResult<JobInfo>, JsonHttpResult<ApiError>>> RetryAsync(string id, JobsGateway jobs, CancellationToken ct)
    {
        if (await jobs.FindAsync(id, ct) is null)
        {
            return ApiErrors.NoSuchJob(id);
        }

        var result = await jobs.RetryAsync(id, ct);
        return result.Refused.Length > 0 ? ApiErrors.Of(result.Refused, StatusCodes.Status409Conflict) : View(result.Progress, StatusCodes.Status202Accepted);
    }

    /// <summary>A completed upload's or live session's media, for the page's player; only audio and video are shown inline.</summary>
    private static Results<PhysicalFileHttpResult, JsonHttpResult<ApiError>> Media(string id, NodeOptions options)
    {
        var folder = Path.Combine(options.ResultsRoot, id);
        var media = JobId().IsMatch(id) && Directory.Exists(folder) ? Directory.EnumerateFiles(folder, JobOutput.MediaFileName + ".*").FirstOrDefault() : null;
        if (media is null)
        {
            return ApiErrors.Of($"job '{id}' has no media kept (only a completed upload's or live session's is; one read from a server path stays there)", StatusCodes.Status404NotFound);
        }

        return s_contentTypes.TryGetContentType(media, out var type) && (type.StartsWith("audio/", StringComparison.Ordinal) || type.StartsWith("video/", StringComparison.Ordinal))
            ? TypedResults.PhysicalFile(media, type, enableRangeProcessing: true)
            // Anything else (an upload named x.html, say) is never shown inline: a download of bytes.
            : TypedResults.PhysicalFile(media, "application/octet-stream", "media" + Path.GetExtension(media), enableRangeProcessing: true);
    }

    private static Results<PhysicalFileHttpResult, JsonHttpResult<ApiError>> Artifact(string id, string name, NodeOptions options)
    {
        if (JobOutput.Find(name) is not { } artifact || !JobId().IsMatch(id))
        {
            return ApiErrors.Of($"no artifact '{name}' (known: {string.Join(", ", JobOutput.All.Select(a => a.Name))})", StatusCodes.Status404NotFound);
        }

        var path = Path.Combine(options.ResultsRoot, id, name);
        return File.Exists(path)
            ? TypedResults.PhysicalFile(path, artifact.ContentType, name)
            : ApiErrors.Of($"job '{id}' has no '{name}' (yet)", StatusCodes.Status404NotFound);
    }

    private static JobInfo Info(JobProgress progress) => JobInfo.Of(progress, DateTimeOffset.UtcNow);

    private static JsonHttpResult<JobInfo> View(JobProgress progress, int status = StatusCodes.Status200OK) =>
        TypedResults.Json(Info(progress), ApiJson.Options, statusCode: status);

    /// <summary>What a job id looks like (anything else names no job, and never a path).</summary>
    [GeneratedRegex("^[0-9a-z][0-9a-z-]{0,63}$")]
    internal static partial Regex JobId();
}
