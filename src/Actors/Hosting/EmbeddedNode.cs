using Akka.Actor;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Speech;
using MediaCluster.Actors.Training;
using MediaCluster.Media.Asr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// A node in a host of its own, for `node process`, tests and benches: its gateways and metrics, and disposing it stops
/// the host. (A served node lives in the web host instead, which takes the same gateways from its services.)
/// </summary>
public sealed class EmbeddedNode : IAsyncDisposable
{
    private readonly IHost _host;
    private int _disposed;

    private EmbeddedNode(IHost host)
    {
        _host = host;
        var services = host.Services;
        Jobs = services.GetRequiredService<JobsGateway>();
        Training = services.GetRequiredService<TrainingGateway>();
        Cluster = services.GetRequiredService<ClusterGateway>();
        Metrics = services.GetRequiredService<AsrMetrics>();
        Models = services.GetRequiredService<ModelRegistry>();
        System = services.GetRequiredService<ActorSystem>();
    }

    /// <summary>The node's jobs.</summary>
    public JobsGateway Jobs { get; }

    /// <summary>The cluster's trainer.</summary>
    public TrainingGateway Training { get; }

    /// <summary>The node's cluster.</summary>
    public ClusterGateway Cluster { get; }

    /// <summary>Recognition counts, real-time factor, the ASR slots.</summary>
    public AsrMetrics Metrics { get; }

    /// <summary>The cluster's model registry (versions, metrics, status).</summary>
    public ModelRegistry Models { get; }

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>
    /// Starts a node: journal in <paramref name="dataDirectory"/>, pocketsphinx on <paramref name="asrSlots"/> slots
    /// (default one per core) unless another <paramref name="recognizer"/> is given. Returns once the node is Up.
    /// </summary>
    public static Task<EmbeddedNode> StartAsync(
        string dataDirectory, int? asrSlots = null, ILoggerFactory? loggerFactory = null, ISpeechRecognizer? recognizer = null) =>
        StartAsync(new MediaNodeOptions { DataDirectory = dataDirectory, AsrSlots = asrSlots }, loggerFactory, recognizer);

    /// <summary>Starts a node with <paramref name="options"/>; see the other overload.</summary>
    public static async Task<EmbeddedNode> StartAsync(MediaNodeOptions options, ILoggerFactory? loggerFactory = null, ISpeechRecognizer? recognizer = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddMediaNode(options, recognizer);
        var host = builder.Build();
        await host.StartAsync();
        var node = new EmbeddedNode(host);
        await node.Cluster.WhenUpAsync();
        return node;
    }

    /// <summary>Stops the node's host; idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _host.StopAsync();
        _host.Dispose();
    }
}
