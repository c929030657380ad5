using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace MediaCluster.Node.Tests;

/// <summary>A node served in this process on free ports (API and management), with a client holding its token.</summary>
public sealed class ServedNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServedNode(WebApplication app, string dataDirectory, string token, Uri api, Uri management)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Token = token;
        Api = api;
        Management = management;
        Client = new HttpClient { BaseAddress = api };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Operator = new HttpClient { BaseAddress = management };
        Operator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public string DataDirectory { get; }

    public string Token { get; }

    public Uri Api { get; }

    public Uri Management { get; }

    /// <summary>A client of the API with the token.</summary>
    public HttpClient Client { get; }

    /// <summary>A client of the management endpoint with the token: the operator's routes (server paths, cluster leave/down, promotion).</summary>
    public HttpClient Operator { get; }

    /// <summary>Starts a node whose data lives in <paramref name="dataDirectory"/>, with more --Node:Key VALUE flags.</summary>
    public static Task<ServedNode> StartAsync(string dataDirectory, params string[] flags) => StartAsync(dataDirectory, services: null, flags);

    /// <summary>As above, with services of the test's own (a clock) put in place of the node's.</summary>
    public static async Task<ServedNode> StartAsync(string dataDirectory, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services, params string[] flags)
    {
        var app = await NodeHost.BuildAsync(
            ["--Node:DataDirectory", dataDirectory, "--Node:HttpPort", "0", "--Node:ManagementPort", "0", "--Logging:LogLevel:Default", "Warning", .. flags], services);
        await app.StartAsync();
        var (endpoints, token) = await ReadDataDirectoryAsync(dataDirectory);
        return new ServedNode(app, dataDirectory, token, new Uri(endpoints.Api), new Uri(endpoints.Management));
    }

    /// <summary>What a running node left in its data directory: where it listens (node.json) and its API token.</summary>
    internal static async Task<(NodeEndpoints Endpoints, string Token)> ReadDataDirectoryAsync(string dataDirectory) =>
        (JsonSerializer.Deserialize<NodeEndpoints>(await File.ReadAllTextAsync(Path.Combine(dataDirectory, NodeHost.EndpointsFile)))!,
         (await File.ReadAllTextAsync(Path.Combine(dataDirectory, ApiToken.FileName))).Trim());

    /// <summary>A job's server-sent progress events, until its end.</summary>
    public async Task<List<JsonElement>> EventsAsync(string id)
    {
        using var events = await Client.GetStreamAsync($"/api/jobs/{id}/events").WaitAsync(TimeSpan.FromMinutes(2));
        using var reader = new StreamReader(events);
        var updates = new List<JsonElement>();
        while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2)) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                updates.Add(JsonDocument.Parse(line[6..]).RootElement);
            }
        }

        return updates;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Operator.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
