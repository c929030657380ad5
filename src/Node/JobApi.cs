using System.Text.Json;
using System.Text.RegularExpressions;
using MediaCluster.Actors;
using MediaCluster.Actors.Jobs;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace MediaCluster.Node;

/// <summary>
/// The job routes under /api/jobs. A job comes from a multipart upload (one file; stored under the data directory
/// under a name the node makes — the client's name is only a title) or from a server-side path inside the
/// allowed roots (JSON <c>{"path": …}</c>).
/// </summary>
internal static partial class JobApi
{
    public static void Map(WebApplication app, NodeOptions options)
    {
        app.MapPost("/api/jobs", async (HttpContext context, MediaNode node, CancellationToken ct) =>
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            var (spec, error, status) = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
                ? await ReceiveUploadAsync(context, type, id, options, ct)
                : await ReadPathAsync(context, id, options, ct);
            if (spec is null)
            {
                return Results.Json(new ApiError(error!), ApiJson.Options, statusCode: status);
            }

            try
            {
                await node.StartJobAsync(spec, ct);
            }
            catch when (spec.OwnsInput)
            {
                DeleteUpload(Path.GetDirectoryName(spec.InputPath)!);
                throw;
            }

            return Results.Json(new SubmitResponse(id, MediaJob.TitleOf(spec)), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapGet("/api/limits", () => Results.Json(new NodeLimits(options.MaxUploadBytes), ApiJson.Options));
        app.MapGet("/api/jobs", async (MediaNode node, CancellationToken ct) => Results.Json((await node.ListJobsAsync(ct)).Select(View), ApiJson.Options));
        app.MapGet("/api/jobs/{id}", async (string id, MediaNode node, CancellationToken ct) =>
            await node.FindJobAsync(id, ct) is { } job ? Results.Json(View(job), ApiJson.Options) : NoSuchJob(id));
        app.MapGet("/api/jobs/{id}/events", async (string id, HttpContext context, MediaNode node, CancellationToken ct) =>
        {
            if (!await ExistsAsync(node, id, ct))
            {
                await NoSuchJob(id).ExecuteAsync(context);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            await foreach (var update in node.FollowAsync(id, ct))
            {
                await context.Response.WriteAsync($"event: progress\ndata: {JsonSerializer.Serialize(View(update), ApiJson.Options)}\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
            }
        });
        app.MapDelete("/api/jobs/{id}", async (string id, MediaNode node, CancellationToken ct) =>
        {
            if (await node.FindJobAsync(id, ct) is not { } job)
            {
                return NoSuchJob(id);
            }

            if (job.IsTerminal)
            {
                return Error($"job '{id}' has already ended ({JobInfo.StateName(job.State)}); there is nothing to cancel", StatusCodes.Status409Conflict);
            }

            var after = await node.CancelJobAsync(id, "cancelled through the API", ct);
            return Results.Json(View(after), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapGet("/api/jobs/{id}/artifacts", async (string id, MediaNode node, CancellationToken ct) =>
            await ExistsAsync(node, id, ct)
                ? Results.Ok(MediaJob.Artifacts.Where(name => File.Exists(Path.Combine(options.ResultsRoot, id, name))))
                : NoSuchJob(id));
        app.MapGet("/api/jobs/{id}/artifacts/{name}", (string id, string name) =>
        {
            if (!MediaJob.Artifacts.Contains(name) || !JobId().IsMatch(id))
            {
                return Error($"no artifact '{name}' (known: {string.Join(", ", MediaJob.Artifacts)})", StatusCodes.Status404NotFound);
            }

            var path = Path.Combine(options.ResultsRoot, id, name);
            return File.Exists(path)
                ? Results.File(path, name.EndsWith(".pdf", StringComparison.Ordinal) ? "application/pdf" : "text/plain; charset=utf-8", name)
                : Error($"job '{id}' has no '{name}' (yet)", StatusCodes.Status404NotFound);
        });
    }

    private static async Task<bool> ExistsAsync(MediaNode node, string id, CancellationToken ct) =>
        await node.FindJobAsync(id, ct) is not null;

    private static IResult NoSuchJob(string id) => Error($"no job '{id}'", StatusCodes.Status404NotFound);

    /// <summary>A refusal with its reason, as every route gives one.</summary>
    internal static IResult Error(string message, int status) => Results.Json(new ApiError(message), ApiJson.Options, statusCode: status);

    private static JobInfo View(JobProgress progress) => JobInfo.Of(progress, DateTimeOffset.UtcNow);

    private static async Task<(JobSpec? Spec, string? Error, int Status)> ReadPathAsync(HttpContext context, string id, NodeOptions options, CancellationToken ct)
    {
        SubmitPathRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<SubmitPathRequest>(ApiJson.Options, ct);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return (null, "send a multipart upload (one file) or JSON {\"path\": \"/server/side/file\"}", StatusCodes.Status400BadRequest);
        }

        if (string.IsNullOrWhiteSpace(request?.Path))
        {
            return (null, "'path' is required", StatusCodes.Status400BadRequest);
        }

        string full;
        try
        {
            full = RealPath(request.Path);
        }
        catch (IOException ex)
        {
            return (null, ex.Message, StatusCodes.Status400BadRequest);
        }

        if (!options.AllowedRoots.Any(root => IsInside(full, RealPath(root))))
        {
            return (null, $"'{request.Path}' is not inside an allowed root (Node:AllowedRoots)", StatusCodes.Status400BadRequest);
        }

        return (new JobSpec { JobId = id, InputPath = full, OutputDir = Path.Combine(options.ResultsRoot, id) }, null, 0);
    }

    /// <summary>
    /// Streams the one file of a multipart upload to DataDirectory/uploads/ID/input[.ext] (the extension kept only
    /// when it is short and plain), refusing more than Node:MaxUploadBytes; the client's file name becomes the title.
    /// </summary>
    private static async Task<(JobSpec? Spec, string? Error, int Status)> ReceiveUploadAsync(
        HttpContext context, MediaTypeHeaderValue type, string id, NodeOptions options, CancellationToken ct)
    {
        // The file may be up to the limit; the multipart framing around it gets 1 MiB more. A body already declared
        // larger is refused before it is read.
        var bodyLimit = options.MaxUploadBytes + (1 << 20);
        var tooLarge = $"the upload is larger than the limit of {options.MaxUploadBytes} bytes (Node:MaxUploadBytes)";
        if (context.Request.ContentLength > bodyLimit)
        {
            return (null, tooLarge, StatusCodes.Status413PayloadTooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = bodyLimit;
        }

        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return (null, "the multipart upload has no boundary", StatusCodes.Status400BadRequest);
        }

        var reader = new MultipartReader(boundary, context.Request.Body);
        var folder = Path.Combine(options.UploadsRoot, id);
        JobSpec? spec = null;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                {
                    continue;
                }

                if (spec is not null)
                {
                    return Refused("send one file per upload", StatusCodes.Status400BadRequest);
                }

                var clientName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                var title = UploadTitle(clientName);
                Directory.CreateDirectory(folder);
                var input = Path.Combine(folder, "input" + SafeExtension(title));
                await using (var file = new FileStream(input, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    if (!await CopyAtMostAsync(section.Body, file, options.MaxUploadBytes, ct))
                    {
                        return Refused(tooLarge, StatusCodes.Status413PayloadTooLarge);
                    }
                }

                spec = new JobSpec { JobId = id, InputPath = input, OutputDir = Path.Combine(options.ResultsRoot, id), Title = title, OwnsInput = true };
            }

            return spec is null ? Refused("the multipart upload has no file part", StatusCodes.Status400BadRequest) : (spec, null, 0);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Refused(tooLarge, ex.StatusCode);
        }
        catch (BadHttpRequestException ex)
        {
            return Refused($"the upload was refused: {ex.Message}", ex.StatusCode);
        }
        catch (IOException ex) when (!ct.IsCancellationRequested)
        {
            return Refused($"the upload could not be read or stored: {ex.Message}", StatusCodes.Status400BadRequest);
        }
        finally
        {
            // Whatever did not become a job (refused, failed, or the client went away) leaves nothing behind.
            if (spec is null || ct.IsCancellationRequested)
            {
                DeleteUpload(folder);
            }
        }

        (JobSpec?, string?, int) Refused(string error, int status)
        {
            spec = null;
            return (null, error, status);
        }
    }

    /// <summary>Removes an upload folder that did not become a running job.</summary>
    private static void DeleteUpload(string folder)
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<bool> CopyAtMostAsync(Stream from, Stream to, long limit, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return false;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return true;
    }

    /// <summary>A client's file name as a title: its last path part, control characters dropped, at most 200 characters.</summary>
    internal static string UploadTitle(string clientName)
    {
        var last = clientName.Split('/', '\\').Last();
        var clean = new string(last.Where(c => !char.IsControl(c)).ToArray()).Trim();
        clean = clean.Length > 200 ? clean[..200] : clean;
        return clean is "" or "." or ".." ? "upload" : clean;
    }

    private static string SafeExtension(string title)
    {
        var extension = Path.GetExtension(title);
        return PlainExtension().IsMatch(extension) ? extension.ToLowerInvariant() : "";
    }

    private static bool IsInside(string path, string root) => path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>The absolute path with every symbolic link along it resolved (so a link cannot lead out of a root).</summary>
    internal static string RealPath(string path, int depth = 0)
    {
        if (depth > 40)
        {
            throw new IOException($"too many symbolic links in '{path}'");
        }

        var resolved = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            resolved = Path.Combine(resolved, part);
            if (new FileInfo(resolved).LinkTarget is { } target)
            {
                // The target is relative to the link's folder; its own path may hold further links.
                resolved = RealPath(Path.Combine(Path.GetDirectoryName(resolved)!, target), depth + 1);
            }
        }

        return resolved;
    }

    [GeneratedRegex(@"^\.[A-Za-z0-9]{1,8}$")]
    private static partial Regex PlainExtension();

    [GeneratedRegex("^[0-9a-z][0-9a-z-]{0,63}$")]
    private static partial Regex JobId();
}
