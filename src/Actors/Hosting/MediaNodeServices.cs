using Akka.Hosting;
using MediaCluster.Actors.Speech;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Vad;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Hosting;

/// <summary>Registers a node's engines, metrics, actor system and gateways in a host's services.</summary>
public static class MediaNodeServices
{
    /// <summary>
    /// Adds the node: engines (Silero VAD, and the recogniser of <see cref="MediaNodeOptions.Recognizer"/> on <see cref="MediaNodeOptions.AsrSlots"/> slots unless
    /// <paramref name="recognizer"/> is given; the node then owns it), the actor system built by
    /// <see cref="MediaClusterAkka.WithMediaCluster"/>, and the gateways a host reaches the actors through: one per concern
    /// (<see cref="Jobs.JobsGateway"/>, <see cref="Training.TrainingGateway"/>, <see cref="ClusterGateway"/>, <see cref="Live.LiveGateway"/>).
    /// </summary>
    public static IServiceCollection AddMediaNode(this IServiceCollection services, MediaNodeOptions options, ISpeechRecognizer? recognizer = null)
    {
        services.AddSingleton(options);
        services.AddSingleton(new AsrMetrics());
        services.AddSingleton(new VadMetrics(options.VadSlots ?? 16 * Environment.ProcessorCount));
        services.AddSingleton(new Live.LiveMetrics());
        services.AddSingleton(new NodeHealth());
        services.AddSingleton(Training.ModelRegistry.For(options.DataDirectory, options.JournalConnectionString));
        services.AddSingleton(sp => new NodeEngines(
            () => new SileroVad(log: sp.GetRequiredService<ILoggerFactory>().CreateLogger<SileroVad>(), device: options.InferenceDevice),
            () => recognizer ?? options.Recognizer.Create(options.AsrSlots),
            recognizer is null ? () => options.Recognizer.Create(options.Live.MaxStreams) : null,
            () => new Media.Video.ImageEmbedder(options.InferenceDevice, sp.GetRequiredService<ILoggerFactory>().CreateLogger<Media.Video.ImageEmbedder>()),
            options.DatasetLimits,
            options.SpeakerModel is { } speakers
                ? () => new Media.Diarization.SpeakerEmbedder(speakers.Path, speakers.Threshold, options.InferenceDevice, sp.GetRequiredService<ILoggerFactory>().CreateLogger<Media.Diarization.SpeakerEmbedder>())
                : null));
        services.AddSingleton<Training.TaskCatalog>();

        // Registered before Akka's hosted service, so it stops after the actor system has terminated.
        services.AddHostedService<EngineShutdown>();
        services.AddAkka(MediaClusterAkka.SystemName, (builder, sp) => builder.WithMediaCluster(options, sp));
        services.AddSingleton<Jobs.JobsGateway>();
        services.AddSingleton<Training.TrainingGateway>();
        services.AddSingleton<ClusterGateway>();
        services.AddSingleton<Live.LiveGateway>();
        return services;
    }

    /// <summary>Frees the engines once the actors are gone, unless a call is still inside one (then it warns and leaves them).</summary>
    private sealed class EngineShutdown(NodeEngines engines, MediaNodeOptions options, ILogger<EngineShutdown> log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (!await engines.CloseAsync(options.ShutdownTimeout))
            {
                log.LogWarning(
                    "An engine call was still running {Timeout} after shutdown began (a hung engine?); stopping without freeing the engines",
                    options.ShutdownTimeout);
            }
        }
    }
}
