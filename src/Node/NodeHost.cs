using System.Net;
using System.Text.Json;
using MediaCluster.Actors;
using MediaCluster.Actors.Jobs;
using MediaCluster.Media.Reports;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MediaCluster.Node;

/// <summary>
/// `mc node run`: an embedded node served over HTTP on two endpoints — the API (default 0.0.0.0:8080) and the
/// management endpoint pbm talks to (default 127.0.0.1:9110). Both serve the same routes; every /api call and
/// /metrics needs the bearer token from the data directory; /healthz and /readyz do not. The endpoints actually
/// bound are written to DataDirectory/node.json, where pbm finds them.
/// </summary>
internal static class NodeHost
{
    /// <summary>The file, in the data directory, that names the bound endpoints.</summary>
    public const string EndpointsFile = "node.json";

    /// <summary>Builds the web application (not started), for `node run` and for tests.</summary>
    public static async Task<WebApplication> BuildAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.Configuration.AddEnvironmentVariables("MC_");
        var options = builder.Configuration.GetSection("Node").Get<NodeOptions>() ?? new NodeOptions();
        var httpAddress = ParseAddress(options.HttpAddress, "HttpAddress");
        var managementAddress = ParseAddress(options.ManagementAddress, "ManagementAddress");
        foreach (var (name, port) in new[] { ("HttpPort", options.HttpPort), ("ManagementPort", options.ManagementPort) })
        {
            if (port is < 0 or > 65535)
            {
                throw new NodeSettingsException($"Node:{name} {port} is not a port (0–65535; 0 takes any free port)");
            }
        }

        if (options.MaxUploadBytes < 1)
        {
            throw new NodeSettingsException($"Node:MaxUploadBytes must be positive (it is {options.MaxUploadBytes})");
        }

        var token = ApiToken.LoadOrCreate(options.DataDirectory, out var created);
        ListenOptions? api = null, management = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(httpAddress, options.HttpPort, l => api = l);
            kestrel.Listen(managementAddress, options.ManagementPort, l => management = l);
        });

        var app = builder.Build();
        var log = app.Logger;
        if (created)
        {
            log.LogWarning("Created the API token in {Path}: {Token}", Path.Combine(options.DataDirectory, ApiToken.FileName), token);
        }

        var node = await MediaNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(options.DataDirectory, "journal"),
            AsrSlots = options.AsrSlots,
            VadSlots = options.VadSlots,
            Roles = options.Roles,
            AsrRole = options.AsrRole,
        }, app.Services.GetRequiredService<ILoggerFactory>());
        var endpointsPath = Path.Combine(options.DataDirectory, EndpointsFile);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var endpoints = new NodeEndpoints(ClientUrl(api!), ClientUrl(management!), Environment.ProcessId);
            AtomicFile.WriteTextAsync(endpointsPath, JsonSerializer.Serialize(endpoints)).GetAwaiter().GetResult();
            log.LogInformation("Serving the API on {Api} and the management endpoint on {Management}", endpoints.Api, endpoints.Management);
        });
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            File.Delete(endpointsPath);
            node.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });
        if (options.Inbox is { } inbox)
        {
            Directory.CreateDirectory(inbox);
            node.WatchInbox(new WatchFolderOptions(inbox, options.ResultsRoot));
        }

        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if ((path.StartsWithSegments("/api") || path.StartsWithSegments("/metrics")) && !ApiToken.IsAuthorized(context.Request, token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new { error = "missing or wrong bearer token (see api-token in the data directory)" });
                return;
            }

            await next();
        });
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => Results.Text("ready"));
        app.MapGet("/metrics", async (CancellationToken ct) => Results.Text(await NodeMetrics.TextAsync(node, ct), "text/plain; version=0.0.4"));
        JobApi.Map(app, node, options);
        return app;
    }

    private static IPAddress ParseAddress(string address, string setting) =>
        address == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(address, out var ip) ? ip
        : throw new NodeSettingsException($"Node:{setting} '{address}' is not an IP address (or 'localhost')");

    /// <summary>The URL a client on this machine uses for a bound endpoint (loopback when bound to every address).</summary>
    private static string ClientUrl(ListenOptions listen)
    {
        var endPoint = listen.IPEndPoint!;
        var host = endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endPoint.Address;
        return $"http://{new IPEndPoint(host, endPoint.Port)}";
    }
}

/// <summary>A node setting that cannot work, named with its key.</summary>
internal sealed class NodeSettingsException(string message) : Exception(message);

/// <summary>What DataDirectory/node.json holds: where a running node listens.</summary>
internal sealed record NodeEndpoints(string Api, string Management, int Pid);
