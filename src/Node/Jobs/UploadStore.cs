using System.Text.RegularExpressions;
using MediaCluster.Messages.Jobs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace MediaCluster.Node.Jobs;

/// <summary>
/// Uploads: the one file of a multipart request stored under DataDirectory/uploads/ID/ under a name the node makes
/// (the client's name is only the job's title), within Node:MaxUploadBytes; nothing is left behind when it fails.
/// </summary>
internal static partial class UploadStore
{
    /// <summary>
    /// Streams the one file of a multipart upload to DataDirectory/uploads/ID/input[.ext] (the extension kept only
    /// when it is short and plain), refusing more than Node:MaxUploadBytes; the client's file name becomes the title.
    /// </summary>
    public static async Task<(JobSpec? Spec, string? Error, int Status)> ReceiveAsync(
        HttpContext context, MediaTypeHeaderValue type, string id, NodeOptions options, CancellationToken ct)
    {
        var (spec, error, status, _) = await ReceiveAsync(context, type, id, options, System.Collections.Immutable.ImmutableHashSet<string>.Empty, ct);
        return (spec, error, status);
    }

    /// <summary>As above, also giving the values of the form fields named in <paramref name="extra"/> (each as often as sent).</summary>
    public static async Task<(JobSpec? Spec, string? Error, int Status, IReadOnlyList<KeyValuePair<string, string>> Fields)> ReceiveAsync(
        HttpContext context, MediaTypeHeaderValue type, string id, NodeOptions options, IReadOnlySet<string> extra, CancellationToken ct)
    {
        var tooLarge = $"the upload is larger than the limit of {options.MaxUploadBytes} bytes (Node:MaxUploadBytes)";
        if (Bounded(context, type, options, tooLarge, out var boundary) is (var refusal, var refusedStatus))
        {
            return (null, refusal, refusedStatus, []);
        }

        var folder = Path.Combine(options.UploadsRoot, id);
        (JobSpec? Spec, string? Error, int Status, IReadOnlyList<KeyValuePair<string, string>> Fields) result = (null, null, 0, []);
        try
        {
            return result = await StoreAsync(new MultipartReader(boundary, context.Request.Body), folder, id, options, extra, tooLarge, ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, tooLarge, ex.StatusCode, []);
        }
        catch (BadHttpRequestException ex)
        {
            return (null, $"the upload was refused: {ex.Message}", ex.StatusCode, []);
        }
        catch (IOException ex) when (!ct.IsCancellationRequested)
        {
            return (null, $"the upload could not be read or stored: {ex.Message}", StatusCodes.Status400BadRequest, []);
        }
        finally
        {
            // Whatever did not become a job (refused, failed, or the client went away) leaves nothing behind.
            if (result.Spec is null || ct.IsCancellationRequested)
            {
                Delete(folder);
            }
        }
    }

    /// <summary>
    /// The request's body limit set (the file may be up to Node:MaxUploadBytes, the multipart framing around it gets
    /// 1 MiB more) and its boundary; or why not — a body already declared larger is refused before it is read.
    /// </summary>
    private static (string Error, int Status)? Bounded(HttpContext context, MediaTypeHeaderValue type, NodeOptions options, string tooLarge, out string boundary)
    {
        boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value ?? string.Empty;
        var bodyLimit = options.MaxUploadBytes + (1 << 20);
        if (context.Request.ContentLength > bodyLimit)
        {
            return (tooLarge, StatusCodes.Status413PayloadTooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = bodyLimit;
        }

        return boundary.Length == 0 ? ("the multipart upload has no boundary", StatusCodes.Status400BadRequest) : null;
    }

    /// <summary>The one file part of the upload stored in <paramref name="folder"/> as the job's input; or why not.</summary>
    private static async Task<(JobSpec? Spec, string? Error, int Status, IReadOnlyList<KeyValuePair<string, string>> Fields)> StoreAsync(
        MultipartReader reader, string folder, string id, NodeOptions options, IReadOnlySet<string> extra, string tooLarge, CancellationToken ct)
    {
        JobSpec? spec = null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var extras = new List<KeyValuePair<string, string>>();
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            if (disposition.IsFormDisposition())
            {
                // A choice for the job (JobChoices) or a field the caller asked for, read within its bound (at most 64 of
                // them); other fields are passed over.
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
                if (JobChoices.Fields.Contains(name) || extra.Contains(name))
                {
                    var value = new MemoryStream();
                    if (!await CopyAtMostAsync(section.Body, value, JobChoices.MaxFieldBytes, ct) || extras.Count >= 64)
                    {
                        return (null, $"the form field '{name}' is longer than {JobChoices.MaxFieldBytes} bytes, or one of too many", StatusCodes.Status400BadRequest, []);
                    }

                    var text = System.Text.Encoding.UTF8.GetString(value.ToArray());
                    if (JobChoices.Fields.Contains(name))
                    {
                        fields[name] = text;
                    }
                    else
                    {
                        extras.Add(new(name, text));
                    }
                }

                continue;
            }

            if (!disposition.IsFileDisposition())
            {
                continue;
            }

            if (spec is not null)
            {
                return (null, "send one file per upload", StatusCodes.Status400BadRequest, []);
            }

            var clientName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
            var title = UploadTitle(clientName);
            Directory.CreateDirectory(folder);
            var input = Path.Combine(folder, "input" + SafeExtension(title));
            await using (var file = new FileStream(input, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                if (!await CopyAtMostAsync(section.Body, file, options.MaxUploadBytes, ct))
                {
                    return (null, tooLarge, StatusCodes.Status413PayloadTooLarge, []);
                }
            }

            spec = new JobSpec { JobId = id, InputPath = input, OutputDir = Path.Combine(options.ResultsRoot, id), Title = title, OwnsInput = true };
        }

        if (spec is null)
        {
            return (null, "the multipart upload has no file part", StatusCodes.Status400BadRequest, []);
        }

        return JobChoices.Apply(spec, fields) is { } wrong ? (null, wrong, StatusCodes.Status400BadRequest, []) : (spec, null, 0, extras);
    }

    /// <summary>Removes an upload folder that did not become a running job.</summary>
    public static void Delete(string folder)
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

    [GeneratedRegex(@"^\.[A-Za-z0-9]{1,8}$")]
    private static partial Regex PlainExtension();
}
