using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace MediaCluster.Cli;

/// <summary>The node answered with an error (its message, or the cause of not reaching it).</summary>
public sealed class NodeApiException(string message) : Exception(message);

/// <summary>The node's HTTP API, with the bearer token.</summary>
public sealed class NodeClient : IDisposable
{
    internal static JsonSerializerOptions Json => ApiJson.Options;

    private readonly HttpClient _http;

    public NodeClient(Uri baseAddress, string token, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = baseAddress;
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Uploads a file as a new job (<paramref name="choices"/>: the job's choices, as form fields); returns its id.</summary>
    public async Task<string> UploadAsync(string file, SubmitPathRequest choices, CancellationToken ct) =>
        await SubmittedIdAsync(await PostFileAsync("api/jobs", file, Path.GetFileName(file), ct, [.. choices.Choices().Select(c => (c.Key, c.Value))]), ct);

    /// <summary>Submits a file that the node can read (inside its allowed roots); returns the job id.</summary>
    public async Task<string> SubmitPathAsync(string serverPath, SubmitPathRequest choices, CancellationToken ct) =>
        await SubmittedIdAsync(await SendAsync(() => _http.PostAsJsonAsync("api/jobs", choices with { Path = serverPath }, Json, ct), ct), ct);

    /// <summary>A completed job's speakers.</summary>
    public async Task<SpeakerInfo[]> SpeakersAsync(string id, CancellationToken ct) =>
        (await ReadAsync<SpeakerInfo[]>(await SendAsync(() => _http.GetAsync($"api/jobs/{Uri.EscapeDataString(id)}/speakers", ct), ct), ct))!;

    /// <summary>Names a completed job's speaker; returns its speakers after.</summary>
    public async Task<SpeakerInfo[]> RenameSpeakerAsync(string id, string speaker, string name, CancellationToken ct) =>
        (await ReadAsync<SpeakerInfo[]>(await SendAsync(
            () => _http.PostAsJsonAsync($"api/jobs/{Uri.EscapeDataString(id)}/speakers/{Uri.EscapeDataString(speaker)}", new RenameSpeakerRequest(name), Json, ct), ct), ct))!;

    public async Task<JobInfo> GetAsync(string id, CancellationToken ct) =>
        (await ReadAsync<JobInfo>(await SendAsync(() => _http.GetAsync($"api/jobs/{Uri.EscapeDataString(id)}", ct), ct), ct))!;

    /// <summary>
    /// The newest <paramref name="limit"/> jobs, newest first; with <paramref name="all"/>, every job, following the
    /// node's Link headers page by page.
    /// </summary>
    public async Task<JobInfo[]> ListAsync(CancellationToken ct, int limit = 100, bool all = false)
    {
        var jobs = new List<JobInfo>();
        string? url = $"api/jobs?limit={(all ? 1000 : limit)}";
        while (url is not null)
        {
            using var response = await SendAsync(() => _http.GetAsync(url, ct), ct);
            jobs.AddRange((await response.Content.ReadFromJsonAsync<JobInfo[]>(Json, ct))!);
            url = all && response.Headers.TryGetValues("Link", out var links) && NextPage(links.First()) is { } next ? next : null;
        }

        return [.. jobs];
    }

    /// <summary>The next page's path from a <c>Link: &lt;/api/jobs?…&gt;; rel="next"</c> header (relative to the base address).</summary>
    private static string? NextPage(string link) =>
        link.StartsWith("</", StringComparison.Ordinal) && link.IndexOf('>', StringComparison.Ordinal) is var end and > 2 && link.EndsWith("rel=\"next\"", StringComparison.Ordinal)
            ? link[2..end]
            : null;

    /// <summary>The cluster's members as the node sees them.</summary>
    public async Task<ClusterInfo> ClusterAsync(CancellationToken ct) =>
        (await ReadAsync<ClusterInfo>(await SendAsync(() => _http.GetAsync("api/cluster", ct), ct), ct))!;

    /// <summary>A shard region's shards and entities per node.</summary>
    public async Task<RegionStats> RegionStatsAsync(string name, CancellationToken ct) =>
        (await ReadAsync<RegionStats>(await SendAsync(() => _http.GetAsync($"api/cluster/sharding/{Uri.EscapeDataString(name)}", ct), ct), ct))!;

    /// <summary>The shard regions there are.</summary>
    public async Task<string[]> RegionsAsync(CancellationToken ct) =>
        (await ReadAsync<string[]>(await SendAsync(() => _http.GetAsync("api/cluster/sharding", ct), ct), ct))!;

    /// <summary>A cluster command (leave, down, down-unreachable); returns what the node did.</summary>
    public async Task<string> ClusterCommandAsync(string command, string? address, CancellationToken ct) =>
        (await ReadAsync<ClusterCommandResult>(await SendAsync(() => _http.PostAsJsonAsync($"api/cluster/{command}", new MemberRequest(address), Json, ct), ct), ct))!.Message;

    /// <summary>The registry's versions (of one task, if given).</summary>
    public async Task<ModelInfo[]> ModelsAsync(string? task, CancellationToken ct) =>
        (await ReadAsync<ModelInfo[]>(await SendAsync(() => _http.GetAsync(task is null ? "api/models" : $"api/models?task={Uri.EscapeDataString(task)}", ct), ct), ct))!;

    /// <summary>One version with its metrics.</summary>
    public async Task<ModelDetail> ModelAsync(string task, int version, CancellationToken ct) =>
        (await ReadAsync<ModelDetail>(await SendAsync(() => _http.GetAsync($"api/models/{Uri.EscapeDataString(task)}/{version}", ct), ct), ct))!;

    /// <summary>Asks the trainer to train on data files or folders the node reads.</summary>
    public async Task<TrainResponse> TrainAsync(string task, IReadOnlyList<string> paths, CancellationToken ct) =>
        (await ReadAsync<TrainResponse>(await SendAsync(() => _http.PostAsJsonAsync($"api/models/{Uri.EscapeDataString(task)}/train", new TrainRequest(paths), Json, ct), ct), ct))!;

    /// <summary>Uploads a dataset (a labels CSV or a zip of a dataset folder) and asks the trainer to train on it.</summary>
    public async Task<TrainResponse> UploadDatasetAsync(string task, string file, string name, CancellationToken ct) =>
        (await ReadAsync<TrainResponse>(await PostFileAsync($"api/models/{Uri.EscapeDataString(task)}/train", file, name, ct), ct))!;

    /// <summary>Posts <paramref name="file"/> as the one file of a multipart upload named <paramref name="name"/>, streamed from disk, after the form <paramref name="fields"/>.</summary>
    private Task<HttpResponseMessage> PostFileAsync(string url, string file, string name, CancellationToken ct, IReadOnlyList<(string Name, string Value)>? fields = null) => SendAsync(
        async () =>
        {
            // Made again for each attempt: a stream once sent is spent.
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            using var content = new MultipartFormDataContent();
            foreach (var (field, value) in fields ?? [])
            {
                content.Add(new StringContent(value), field);
            }

            var part = new StreamContent(stream, 1 << 16);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(part, "file", name);
            return await _http.PostAsync(url, content, ct);
        },
        ct);

    /// <summary>Every task, built in and defined.</summary>
    public async Task<TaskInfo[]> TasksAsync(CancellationToken ct) =>
        (await ReadAsync<TaskInfo[]>(await SendAsync(() => _http.GetAsync("api/models/tasks", ct), ct), ct))!;

    /// <summary>Defines a task.</summary>
    public async Task<TaskInfo> DefineTaskAsync(TaskRequest task, CancellationToken ct) =>
        (await ReadAsync<TaskInfo>(await SendAsync(() => _http.PostAsJsonAsync("api/models/tasks", task, Json, ct), ct), ct))!;

    /// <summary>Uploads files for the task's promoted model to label.</summary>
    public async Task<PredictionInfo[]> PredictAsync(string task, IReadOnlyList<string> files, CancellationToken ct) =>
        (await ReadAsync<PredictionInfo[]>(await SendAsync(
            async () =>
            {
                var streams = new List<FileStream>();
                try
                {
                    using var content = new MultipartFormDataContent();
                    foreach (var file in files)
                    {
                        var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                        streams.Add(stream);
                        var part = new StreamContent(stream, 1 << 16);
                        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                        content.Add(part, "file", Path.GetFileName(file));
                    }

                    return await _http.PostAsync($"api/models/{Uri.EscapeDataString(task)}/predict", content, ct);
                }
                finally
                {
                    foreach (var stream in streams)
                    {
                        await stream.DisposeAsync();
                    }
                }
            },
            ct), ct))!;

    /// <summary>The trainer's state and latest runs.</summary>
    public async Task<TrainerInfo> TrainerAsync(CancellationToken ct) =>
        (await ReadAsync<TrainerInfo>(await SendAsync(() => _http.GetAsync("api/trainer", ct), ct), ct))!;

    /// <summary>Cancels a task's running and queued training runs.</summary>
    public async Task<string> CancelTrainingAsync(string task, CancellationToken ct) =>
        (await ReadAsync<ClusterCommandResult>(await SendAsync(() => _http.PostAsync($"api/models/{Uri.EscapeDataString(task)}/cancel", null, ct), ct), ct))!.Message;

    /// <summary>Promotes a version.</summary>
    public async Task<string> PromoteAsync(string task, int version, CancellationToken ct) =>
        (await ReadAsync<ClusterCommandResult>(await SendAsync(() => _http.PostAsJsonAsync($"api/models/{Uri.EscapeDataString(task)}/promote", new PromoteRequest(version), Json, ct), ct), ct))!.Message;

    /// <summary>What the node accepts (its upload limit).</summary>
    public async Task<NodeLimits> LimitsAsync(CancellationToken ct) =>
        (await ReadAsync<NodeLimits>(await SendAsync(() => _http.GetAsync("api/limits", ct), ct), ct))!;

    public async Task CancelAsync(string id, CancellationToken ct) =>
        (await SendAsync(() => _http.DeleteAsync($"api/jobs/{Uri.EscapeDataString(id)}", ct), ct)).Dispose();

    /// <summary>Runs a failed or cancelled job again (POST /api/jobs/ID/retry); its progress after.</summary>
    public async Task<JobInfo> RetryAsync(string id, CancellationToken ct) =>
        (await ReadAsync<JobInfo>(await SendAsync(() => _http.PostAsync($"api/jobs/{Uri.EscapeDataString(id)}/retry", null, ct), ct), ct))!;

    public async Task<string[]> ArtifactsAsync(string id, CancellationToken ct) =>
        (await ReadAsync<string[]>(await SendAsync(() => _http.GetAsync($"api/jobs/{Uri.EscapeDataString(id)}/artifacts", ct), ct), ct))!;

    /// <summary>Downloads one artifact to <paramref name="destination"/> (written whole, then renamed).</summary>
    public Task DownloadAsync(string id, string name, string destination, CancellationToken ct) =>
        DownloadFromAsync($"api/jobs/{Uri.EscapeDataString(id)}/artifacts/{Uri.EscapeDataString(name)}", destination, ct);

    /// <summary>Has the node cut a completed video job's media at its scenes: <paramref name="kind"/> is chapters or split (POST /api/jobs/ID/cuts/KIND).</summary>
    public async Task<SceneCuts> CutAsync(string id, string kind, CancellationToken ct) =>
        (await ReadAsync<SceneCuts>(await SendAsync(() => _http.PostAsync($"api/jobs/{Uri.EscapeDataString(id)}/cuts/{Uri.EscapeDataString(kind)}", null, ct), ct), ct))!;

    /// <summary>Downloads one file of a job's cuts to <paramref name="destination"/>.</summary>
    public Task DownloadCutAsync(string id, string name, string destination, CancellationToken ct) =>
        DownloadFromAsync($"api/jobs/{Uri.EscapeDataString(id)}/cuts/{Uri.EscapeDataString(name)}", destination, ct);

    private async Task DownloadFromAsync(string path, string destination, CancellationToken ct)
    {
        using var response = await SendAsync(() => _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct), ct);
        var partial = destination + ".part";
        await using (var file = File.Create(partial))
        {
            await response.Content.CopyToAsync(file, ct);
        }

        File.Move(partial, destination, overwrite: true);
    }

    /// <summary>The job's progress from its server-sent events: now, on every change, ending with its terminal state.</summary>
    public async IAsyncEnumerable<JobInfo> FollowAsync(string id, [EnumeratorCancellation] CancellationToken ct)
    {
        using var response = await SendAsync(() => _http.GetAsync($"api/jobs/{Uri.EscapeDataString(id)}/events", HttpCompletionOption.ResponseHeadersRead, ct), ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && JsonSerializer.Deserialize<JobInfo>(line[6..], Json) is { } update)
            {
                yield return update;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>How long a request waits in all for a node that answers 503 with Retry-After (the journal away a moment, say) before pbm gives up.</summary>
    public static readonly TimeSpan BusyPatience = TimeSpan.FromSeconds(60);

    /// <summary>Sends a request; a 503 with Retry-After (nothing was done) is sent again after that long, within <see cref="BusyPatience"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        HttpResponseMessage response;
        var waited = TimeSpan.Zero;
        while (true)
        {
            try
            {
                response = await send();
            }
            catch (HttpRequestException ex)
            {
                throw new NodeApiException($"cannot reach the node at {BaseAddress}: {ex.Message} (is `mc node run` running? see --host)");
            }

            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter?.Delta is not { } delay || waited + delay > BusyPatience)
            {
                break;
            }

            response.Dispose();
            await Task.Delay(delay, ct);
            waited += delay;
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            var message = TryError(body) ?? $"{(int)response.StatusCode} {response.ReasonPhrase}";
            throw new NodeApiException(response.StatusCode == HttpStatusCode.Unauthorized
                ? $"{message} (pass --token, set MC_TOKEN, or point --data-dir at the node's data directory)"
                : message);
        }
    }

    private static string? TryError(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<ApiError>(body, Json)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, ct);
        }
    }

    private static async Task<string> SubmittedIdAsync(HttpResponseMessage response, CancellationToken ct)
    {
        using (response)
        {
            return (await response.Content.ReadFromJsonAsync<SubmitResponse>(Json, ct))!.Id;
        }
    }
}
