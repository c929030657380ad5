using MediaCluster.Actors;
using MediaCluster.Actors.Jobs;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Node;

/// <summary>
/// `mc node run`: an embedded node served over HTTP. Every /api call needs the bearer token from the data
/// directory; /healthz does not. Jobs name server-side files inside the configured allowed roots.
/// </summary>
internal static class NodeHost
{
    /// <summary>Builds the web application (not started), for `node run` and for tests.</summary>
    public static async Task<WebApplication> BuildAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.Configuration.AddEnvironmentVariables("MC_");
        builder.Services.Configure<NodeOptions>(builder.Configuration.GetSection("Node"));
        var options = builder.Configuration.GetSection("Node").Get<NodeOptions>() ?? new NodeOptions();
        var token = ApiToken.LoadOrCreate(options.DataDirectory, out var created);
        var app = builder.Build();
        var log = app.Logger;
        if (created)
        {
            log.LogWarning("Created the API token in {Path}: {Token}", Path.Combine(options.DataDirectory, ApiToken.FileName), token);
        }

        var node = await MediaNode.StartAsync(Path.Combine(options.DataDirectory, "journal"), options.AsrSlots, app.Services.GetRequiredService<ILoggerFactory>());
        app.Lifetime.ApplicationStopped.Register(() => node.DisposeAsync().AsTask().GetAwaiter().GetResult());
        if (options.Inbox is { } inbox)
        {
            Directory.CreateDirectory(inbox);
            node.WatchInbox(new WatchFolderOptions(inbox, options.ResultsRoot));
        }

        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api") && !ApiToken.IsAuthorized(context.Request, token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new { error = "missing or wrong bearer token (see api-token in the data directory)" });
                return;
            }

            await next();
        });
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => Results.Text("ready"));
        app.MapGet("/metrics", async (CancellationToken ct) => Results.Text(await MetricsText(node, ct), "text/plain; version=0.0.4"));
        MapJobs(app, node, options);
        return app;
    }

    private static void MapJobs(WebApplication app, MediaNode node, NodeOptions options)
    {
        app.MapPost("/api/jobs", async (SubmitRequest request, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Path))
            {
                return Results.BadRequest(new { error = "'path' is required" });
            }

            var full = Path.GetFullPath(request.Path);
            if (!options.AllowedRoots.Any(root => IsInside(full, root)))
            {
                return Results.BadRequest(new { error = $"'{request.Path}' is not inside an allowed root (Node:AllowedRoots)" });
            }

            var id = Guid.NewGuid().ToString("N")[..12];
            await node.StartJobAsync(new JobSpec { JobId = id, InputPath = full, OutputDir = Path.Combine(options.ResultsRoot, id) }, ct);
            return Results.Accepted($"/api/jobs/{id}", new { id });
        });
        app.MapGet("/api/jobs", async (CancellationToken ct) =>
        {
            return Results.Ok((await AllProgressAsync(node, ct)).Select(View));
        });
        app.MapGet("/api/jobs/{id}", async (string id, CancellationToken ct) =>
        {
            return await ExistsAsync(node, id, ct) ? Results.Ok(View(await node.GetProgressAsync(id, ct))) : Results.NotFound(new { error = $"no job '{id}'" });
        });
        app.MapGet("/api/jobs/{id}/events", async (string id, HttpContext context, CancellationToken ct) =>
        {
            if (!await ExistsAsync(node, id, ct))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsJsonAsync(new { error = $"no job '{id}'" }, ct);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await foreach (var update in node.FollowAsync(id, ct))
            {
                var json = System.Text.Json.JsonSerializer.Serialize(View(update));
                await context.Response.WriteAsync($"event: progress\ndata: {json}\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
            }
        });
        app.MapDelete("/api/jobs/{id}", async (string id, CancellationToken ct) =>
        {
            if (!await ExistsAsync(node, id, ct))
            {
                return Results.NotFound(new { error = $"no job '{id}'" });
            }

            node.Job(id).Tell(new CancelJob("cancelled through the API"));
            return Results.Accepted($"/api/jobs/{id}");
        });
        app.MapGet("/api/jobs/{id}/artifacts/{name}", (string id, string name) =>
        {
            if (!MediaJob.Artifacts.Contains(name) || id.Any(c => !char.IsLetterOrDigit(c) && c != '-'))
            {
                return Results.NotFound(new { error = $"no artifact '{name}' (known: {string.Join(", ", MediaJob.Artifacts)})" });
            }

            var path = Path.Combine(options.ResultsRoot, id, name);
            return File.Exists(path)
                ? Results.File(path, name.EndsWith(".pdf", StringComparison.Ordinal) ? "application/pdf" : "text/plain; charset=utf-8", name)
                : Results.NotFound(new { error = $"job '{id}' has no '{name}' (yet)" });
        });
    }

    /// <summary>Prometheus text: jobs by state, segments found and transcribed, recognitions.</summary>
    private static async Task<string> MetricsText(MediaNode node, CancellationToken ct)
    {
        var jobs = await AllProgressAsync(node, ct);
        var text = new System.Text.StringBuilder();
        text.Append("# HELP mediacluster_jobs Jobs on this node by state.\n# TYPE mediacluster_jobs gauge\n");
        foreach (var state in new[] { JobStates.New, JobStates.Running, JobStates.Completed, JobStates.Failed, JobStates.Cancelled })
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"mediacluster_jobs{{state=\"{state}\"}} {jobs.Count(j => j.State.Split(':')[0] == state)}\n");
        }

        text.Append("# HELP mediacluster_segments_found Speech segments found, all jobs.\n# TYPE mediacluster_segments_found gauge\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"mediacluster_segments_found {jobs.Sum(j => j.SegmentsFound)}\n")
            .Append("# HELP mediacluster_segments_transcribed Speech segments transcribed, all jobs.\n# TYPE mediacluster_segments_transcribed gauge\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"mediacluster_segments_transcribed {jobs.Sum(j => j.SegmentsTranscribed)}\n")
            .Append("# HELP mediacluster_asr_recognitions_total Segments recognised by this process.\n# TYPE mediacluster_asr_recognitions_total counter\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"mediacluster_asr_recognitions_total {node.Metrics.Recognized}\n");
        return text.ToString();
    }

    private static async Task<JobProgress[]> AllProgressAsync(MediaNode node, CancellationToken ct) =>
        await Task.WhenAll((await node.ListJobIdsAsync(ct)).Select(id => node.GetProgressAsync(id, ct)));

    private static async Task<bool> ExistsAsync(MediaNode node, string id, CancellationToken ct) =>
        (await node.ListJobIdsAsync(ct)).Contains(id);

    private static object View(JobProgress p) => new
    {
        id = p.JobId,
        state = p.State,
        duration_seconds = p.DurationSeconds,
        segments_found = p.SegmentsFound,
        segments_transcribed = p.SegmentsTranscribed,
        speech_detection_complete = p.SpeechDetectionComplete,
    };

    private static bool IsInside(string path, string root)
    {
        var fullRoot = Path.GetFullPath(root).TrimEnd('/') + "/";
        return path.StartsWith(fullRoot, StringComparison.Ordinal);
    }

    private sealed record SubmitRequest(string? Path);
}
