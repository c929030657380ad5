using System.Text.Json;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Node.Jobs;

/// <summary>Which server-side paths a client may submit: only files inside Node:AllowedRoots, symbolic links resolved first.</summary>
internal static class PathPolicy
{
    /// <summary>A JSON submission <c>{"path": …, "clip_tasks": …, "speakers": …}</c> (<see cref="JobChoices"/>): the file must lie inside an allowed root once every link is resolved.</summary>
    public static async Task<(JobSpec? Spec, string? Error, int Status)> ReadSubmissionAsync(HttpContext context, string id, NodeOptions options, CancellationToken ct)
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

        if (Check(request.Path, options, out var full) is { } refusal)
        {
            return (null, refusal, StatusCodes.Status400BadRequest);
        }

        var spec = new JobSpec { JobId = id, InputPath = full, OutputDir = Path.Combine(options.ResultsRoot, id) };
        return JobChoices.Apply(spec, request.Choices()) is { } wrong ? (null, wrong, StatusCodes.Status400BadRequest) : (spec, null, 0);
    }

    /// <summary>Null if <paramref name="path"/> lies inside an allowed root once its links are resolved (<paramref name="full"/>), else why not.</summary>
    public static string? Check(string path, NodeOptions options, out string full)
    {
        try
        {
            full = RealPath(path);
        }
        catch (IOException ex)
        {
            full = string.Empty;
            return ex.Message;
        }

        var resolved = full;
        return options.AllowedRoots.Any(root => Actors.Jobs.JobPaths.IsInside(resolved, RealPath(root))) ? null : $"'{path}' is not inside an allowed root (Node:AllowedRoots)";
    }


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
}
