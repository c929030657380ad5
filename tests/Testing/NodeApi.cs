using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MediaCluster.Testing;

/// <summary>
/// A node's HTTP API as the tests use it, through a client that holds the node's address and token (a node process on
/// loopback, a container's address): upload a job, read a job and the node's metrics.
/// </summary>
public sealed class NodeApi(HttpClient client)
{
    public HttpClient Client { get; } = client;

    /// <summary>The API at <paramref name="baseAddress"/> through a new client sending <paramref name="token"/> as its bearer.</summary>
    public static NodeApi Connect(Uri baseAddress, string token, TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new NodeApi(http);
    }

    /// <summary>Uploads <paramref name="file"/> as a job; its id.</summary>
    public async Task<string> SubmitAsync(string file)
    {
        using var upload = new MultipartFormDataContent { { new StreamContent(File.OpenRead(file)), "file", Path.GetFileName(file) } };
        using var client = new HttpClient { BaseAddress = Client.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = Client.DefaultRequestHeaders.Authorization;
        var response = await client.PostAsync("api/jobs", upload);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>A job as the API shows it, or null when this node does not know it (yet).</summary>
    public async Task<JsonElement?> JobAsync(string id, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan);
        using var response = await Client.GetAsync($"api/jobs/{id}", cancel.Token);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    /// <summary>What this node answers for a job, in words (status and body, or why there was no answer): for diagnostics.</summary>
    public async Task<string> DescribeJobAsync(string id, TimeSpan timeout)
    {
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            using var response = await Client.GetAsync($"api/jobs/{id}", cancel.Token);
            var body = await response.Content.ReadAsStringAsync(cancel.Token);
            return $"{(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}";
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return $"no answer ({ex.GetType().Name}: {ex.Message})";
        }
    }

    public async Task<int> MembersUpAsync() => (int)await MetricAsync("mediacluster_cluster_members_up");

    /// <summary>Segments this process has recognised.</summary>
    public async Task<int> RecognitionsAsync() => (int)await MetricAsync("mediacluster_asr_recognitions_total");

    public async Task<double> MetricAsync(string name)
    {
        var metrics = await Client.GetStringAsync("metrics");
        return PrometheusText.Value(metrics, name) ?? throw new InvalidOperationException($"/metrics has no {name}:\n{metrics}");
    }

}
