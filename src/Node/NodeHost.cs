using System.Net;
using System.Text.Json;
using MediaCluster.Media.Reports;
using MediaCluster.Node.Cluster;
using MediaCluster.Node.Jobs;
using MediaCluster.Node.Live;
using MediaCluster.Node.Models;

namespace MediaCluster.Node;

/// <summary>
/// `mc node run`: an embedded node served over HTTP on two endpoints — the API (default 0.0.0.0:8080) and the
/// management endpoint pbm talks to (default 127.0.0.1:9110). Both serve the everyday routes (the page, jobs, live
/// audio, results, /metrics: the bearer token or the page's session); only the management endpoint serves the
/// operator's (cluster leave/down, model promotion, jobs and datasets from server paths: the token only); see
/// <see cref="Access"/>. /healthz and /readyz are open. The endpoints actually bound are written to
/// DataDirectory/node.json, where pbm finds them.
/// </summary>
public static partial class NodeHost
{
    /// <summary>The file, in the data directory, that names the bound endpoints.</summary>
    public const string EndpointsFile = "node.json";

    /// <summary>Builds the web application (not started), for `node run` and for tests.</summary>
    public static Task<WebApplication> BuildAsync(string[] args, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        // Settings from files too (a container's secrets: one file per key, Node__Journal__ConnectionString holding
        // the value), from the directory MC_SETTINGS_FILES names; the environment still overrides them.
        if (Environment.GetEnvironmentVariable("MC_SETTINGS_FILES") is { Length: > 0 } settingsFiles)
        {
            builder.Configuration.AddKeyPerFile(settingsFiles, optional: false);
        }

        builder.Configuration.AddEnvironmentVariables("MC_");
        ConfigureLogging(builder.Logging);
        var options = Settings(builder.Configuration);
        var token = ApiToken.LoadOrCreate(options.DataDirectory, options.ApiTokenFile, out var created);
        var listeners = Listen(builder.WebHost, options);
        builder.Services.AddMediaCluster(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddAccess(token, TimeSpan.FromHours(options.SessionHours));
        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton<Models.Predictions>();
        builder.Services.AddNodeHealthChecks();
        NodeMeters.Add(builder.Services);
        NodeTracing.Add(builder.Services, options);
        services?.Invoke(builder.Services);
        builder.Services.AddHostedService<UploadSweep>();
        var app = builder.Build();
        Announce(app, options, listeners, created);
        WebPage.UseHeadersAndFiles(app);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) }); // before authorization, which asks whether a request is one
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(Unavailable.AnswerAsync);
        MapRoutes(app, options, token);
        return Task.FromResult(app);
    }

    /// <summary>One line per thing an operator cares about: the node's own events; framework chatter only from Warning.</summary>
    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Akka", LogLevel.Warning);

        // A start that fails (a port in use) is reported once, as one line, by `node run` itself.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }

    /// <summary>Kestrel on the API and the management endpoints; a management connection carries a mark of its own.</summary>
    private static Listeners Listen(IWebHostBuilder host, NodeOptions options)
    {
        var httpAddress = ParseAddress(options.HttpAddress, "HttpAddress");
        var managementAddress = ParseAddress(options.ManagementAddress, "ManagementAddress");
        var listeners = new Listeners();
        host.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(httpAddress, options.HttpPort, l => listeners.Api = l);
            kestrel.Listen(managementAddress, options.ManagementPort, l =>
            {
                listeners.Management = l;
                l.Use(next => connection =>
                {
                    connection.Items[Listeners.ManagementKey] = true; // the connection's own mark, not its address
                    return next(connection);
                });
            });
        });
        return listeners;
    }

    /// <summary>The start's log lines (an insecure cluster port, a new token, where the node listens) and DataDirectory/node.json.</summary>
    private static void Announce(WebApplication app, NodeOptions options, Listeners listeners, bool tokenCreated)
    {
        var log = app.Logger;
        var tokenPath = ApiToken.PathOf(options.DataDirectory, options.ApiTokenFile);
        if (options.Cluster.Certificate is not { Length: > 0 } && !options.Cluster.OnLoopback)
        {
            log.LogWarning(
                "The cluster port {Host}:{Port} speaks plain TCP without authentication (Node:Cluster:AllowInsecure): anyone who reaches it can join the cluster and send its actors messages",
                options.Cluster.Host, options.Cluster.Port);
        }

        if (tokenCreated)
        {
            log.LogWarning("Created an API token in {Path}: clients (pbm, curl) send it as 'Authorization: Bearer TOKEN'", tokenPath);
        }

        var endpointsPath = Path.Combine(options.DataDirectory, EndpointsFile);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var endpoints = new NodeEndpoints(ClientUrl(listeners.Api!), ClientUrl(listeners.Management!), Environment.ProcessId);
            AtomicFile.WriteTextAsync(endpointsPath, JsonSerializer.Serialize(endpoints)).GetAwaiter().GetResult();
            log.LogInformation(
                "Serving the API on {Api} and pbm's management endpoint on {Management}; the token is in {TokenPath}",
                endpoints.Api, endpoints.Management, tokenPath);
        });
        app.Lifetime.ApplicationStopped.Register(() => File.Delete(endpointsPath));
    }

    /// <summary>The open health routes, the page's sign-in, and every feature's routes behind their policies.</summary>
    private static void MapRoutes(WebApplication app, NodeOptions options, string token)
    {
        app.MapNodeHealthChecks();
        WebPage.MapSession(app, token);

        var everyday = app.MapGroup(string.Empty).RequireAuthorization(Access.Everyday);
        var operatorRoutes = app.OperatorRoutes();
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<NodeMeters>()); // its instruments, once the actors run
        everyday.MapPrometheusScrapingEndpoint("/metrics");
        LiveApi.Map(everyday, options);
        JobApi.Map(everyday, options);
        OpenAiApi.Map(everyday, options);
        CutsApi.Map(everyday, options);
        ClusterApi.Map(everyday, operatorRoutes);
        ModelApi.Map(everyday, operatorRoutes, options);
    }

    /// <summary>Section Node, refusing an unknown key, a value of the wrong kind or out of range, naming the key.</summary>
    private static NodeOptions Settings(IConfiguration configuration)
    {
        var section = configuration.GetSection("Node");
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (NodeOptions.Problem(key, value) is { } problem)
            {
                throw new NodeSettingsException(problem);
            }
        }

        NodeOptions options;
        try
        {
            options = section.Get<NodeOptions>(binder => binder.ErrorOnUnknownConfiguration = true) ?? new NodeOptions();
        }
        catch (InvalidOperationException ex) when (BadValueIn(ex) is { } bad)
        {
            var kind = bad.Groups["type"].Value switch
            {
                var t when t.Contains("Int", StringComparison.Ordinal) => "a whole number",
                var t when t.Contains("Boolean", StringComparison.Ordinal) => "true or false",
                var t when t.Contains("InferenceDevice", StringComparison.Ordinal) => "one of auto, cpu, cuda",
                var t when t.Contains("NodeRole", StringComparison.Ordinal) => "a role (api, jobs, gpu)",
                var t when t.Contains("AsrEngine", StringComparison.Ordinal) => "one of pocketsphinx, whisper",
                var t => t,
            };
            throw new NodeSettingsException($"{bad.Groups["key"].Value} '{bad.Groups["value"].Value}' is not {kind}");
        }

        var validation = new NodeOptionsValidator().Validate(null, options);
        return validation.Failed ? throw new NodeSettingsException(string.Join("; ", validation.Failures)) : options;
    }

    /// <summary>The binder's "failed to convert" message in <paramref name="ex"/> or the exception it wraps (a list's item is wrapped).</summary>
    private static System.Text.RegularExpressions.Match? BadValueIn(Exception ex) =>
        new[] { ex, ex.InnerException }.OfType<Exception>().Select(e => BadValue().Match(e.Message)).FirstOrDefault(m => m.Success);

    [System.Text.RegularExpressions.GeneratedRegex("value '(?<value>[^']*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial System.Text.RegularExpressions.Regex BadValue();

    private static IPAddress ParseAddress(string address, string setting) =>
        address == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(address, out var ip) ? ip
        : throw new NodeSettingsException($"Node:{setting} '{address}' is not an IP address (or 'localhost')");

    /// <summary>The URL a client on this machine uses for a bound endpoint (loopback when bound to every address).</summary>
    private static string ClientUrl(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
    {
        var endPoint = listen.IPEndPoint!;
        var host = endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endPoint.Address;
        return $"http://{new IPEndPoint(host, endPoint.Port)}";
    }
}

/// <summary>A node setting that cannot work, named with its key.</summary>
public sealed class NodeSettingsException(string message) : Exception(message);

/// <summary>What DataDirectory/node.json holds: where a running node listens.</summary>
public sealed record NodeEndpoints(string Api, string Management, int Pid);
