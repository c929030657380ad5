using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using MediaCluster.Actors.Classification;
using MediaCluster.Actors.Ingest;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Live;
using MediaCluster.Actors.Speech;
using MediaCluster.Actors.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Hosting;

/// <summary>What each role of a node hosts.</summary>
public static partial class MediaClusterAkka
{
    /// <summary>
    /// A jobs node: the VAD queue, the classifiers' router, the job index (a cluster singleton among the jobs nodes)
    /// and the jobs shard region with remember-entities in the journal (event-sourced),
    /// so unfinished jobs wake after a restart.
    /// </summary>
    private static AkkaConfigurationBuilder WithJobsRole(this AkkaConfigurationBuilder builder, NodeWiring node)
    {
        var options = node.Options;
        return builder
            .WithActors((system, registry) =>
            {
                registry.Register<VadQueueKey>(system.ActorOf(VadQueue.Props(node.Vad), VadQueue.Name));

                // Scenes go to the classifiers of every gpu member (this one too), in turn; a member that leaves drops out.
                var classifiers = new[] { "/user/" + Classifiers.Name };
                registry.Register<ClassifiersKey>(system.ActorOf(
                    Props.Empty.WithRouter(new Akka.Cluster.Routing.ClusterRouterGroup(
                        new Akka.Routing.RoundRobinGroup(classifiers),
                        new Akka.Cluster.Routing.ClusterRouterGroupSettings(10_000, classifiers, allowLocalRoutees: true, useRole: GpuRole))),
                    "classifiers-router"));
            })
            .WithSingleton<JobIndexKey>(JobIndexName, Restarting.WithBackoff(JobIndex.Props(), JobIndexName, "the job index"), IndexSingleton, createProxyToo: true)
            .WithShardRegion<JobRegionKey>(
                JobsTypeName,
                (_, registry, _) =>
                {
                    var jobServices = node.JobServices(registry);
                    return jobId => MediaJob.Props(jobId, jobServices);
                },
                new JobMessageExtractor(options.JobShards),
                new ShardOptions
                {
                    Role = JobsRole,
                    RememberEntities = true,
                    RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                    StateStoreMode = StateStoreMode.Persistence,
                    HandOffStopMessage = MediaJob.HandOff.Instance,
                });
    }

    /// <summary>
    /// The trainer, a cluster singleton among the gpu nodes (training runs models: the shot-scale task embeds with
    /// ResNet-18), or on other nodes its proxy.
    /// </summary>
    private static AkkaConfigurationBuilder WithTrainer(this AkkaConfigurationBuilder builder, NodeWiring node) => node.HostsWorkers
        ? builder.WithSingleton<TrainerKey>(
            TrainerName,
            Restarting.WithBackoff(
                Trainer.Props(node.Options.TrainerFolders(), node.Models, node.Engines, node.Options.TimeProvider, node.LoggerFactory.CreateLogger<Trainer>(), node.Options.MaxCrashes),
                TrainerName,
                "the trainer"),
            TrainerSingleton,
            createProxyToo: true)
        : builder.WithSingletonProxy<TrainerKey>(TrainerName, TrainerSingleton);

    /// <summary>A node without the jobs role takes requests (api) and forwards them to the jobs nodes through proxies.</summary>
    private static AkkaConfigurationBuilder WithJobsProxies(this AkkaConfigurationBuilder builder, NodeWiring node) => builder
        .WithSingletonProxy<JobIndexKey>(JobIndexName, IndexSingleton)
        .WithShardRegionProxy<JobRegionKey>(JobsTypeName, JobsRole, new JobMessageExtractor(node.Options.JobShards));

    /// <summary>
    /// Every node: its status and the journal probe; a gpu node: the VAD workers (which pull jobs waiting for a VAD
    /// session from every jobs node), the segment queue its sessions fill, the ASR workers (which pull segments from every
    /// gpu node's queue, this one's first), the live streams and the classifiers; a node with an inbox: the inbox's job starter.
    /// </summary>
    private static AkkaConfigurationBuilder WithNodeActors(this AkkaConfigurationBuilder builder, NodeWiring node) => builder
        .WithActors((system, registry) =>
        {
            var options = node.Options;
            system.ActorOf(NodeStatus.Props(node.Asr, node.Live), NodeStatus.Name);
            system.ActorOf(JournalProbe.Props(node.Services.GetRequiredService<NodeHealth>(), registry.Get<JobIndexKey>()), "journal-probe");
            if (node.HostsWorkers)
            {
                var segments = system.ActorOf(SegmentQueue.Props(node.Asr, options.TimeProvider), SegmentQueue.Name);
                system.ActorOf(VadWorkers.Props(node.Engines, node.Vad, segments), "vad-workers");
                system.ActorOf(AsrWorkers.Props(node.Engines, node.Asr, speakerFeatures: options.Diarization), "asr-workers");
                system.ActorOf(LiveStreams.Props(node.Engines, node.Live, options.Live), LiveStreams.Name);
                system.ActorOf(
                    Classifiers.Props(node.Models, node.Engines, registry.Get<TrainerKey>(), options.SceneSlots ?? Environment.ProcessorCount, node.LoggerFactory.CreateLogger<Classifiers>(), options.TimeProvider),
                    Classifiers.Name);
            }

            if (options.Inbox is not null)
            {
                registry.Register<InboxStarterKey>(system.ActorOf(
                    InboxJobStarter.Props(registry.Get<JobIndexKey>(), registry.Get<JobRegionKey>(), options.AskTimeout), "inbox-jobs"));
            }
        });

    /// <summary>What the wiring takes from the node's options and services.</summary>
    private sealed class NodeWiring(MediaNodeOptions options, IServiceProvider services)
    {
        public MediaNodeOptions Options { get; } = options;

        public IServiceProvider Services { get; } = services;

        public NodeEngines Engines { get; } = services.GetRequiredService<NodeEngines>();

        public AsrMetrics Asr { get; } = services.GetRequiredService<AsrMetrics>();

        public VadMetrics Vad { get; } = services.GetRequiredService<VadMetrics>();

        public LiveMetrics Live { get; } = services.GetRequiredService<LiveMetrics>();

        public ModelRegistry Models { get; } = services.GetRequiredService<ModelRegistry>();

        public ILoggerFactory LoggerFactory { get; } = services.GetRequiredService<ILoggerFactory>();

        public bool HostsJobs => Options.Roles.Contains(JobsRole);

        public bool HostsWorkers => Options.Roles.Contains(GpuRole);

        /// <summary>What a job uses of its node.</summary>
        public JobServices JobServices(IActorRegistry registry) => new(
            registry.Get<VadQueueKey>(),
            registry.Get<JobIndexKey>(),
            Engines,
            Options.SegmentsPerJob ?? 2 * (HostsWorkers ? Engines.Recognizer.Concurrency : Options.AsrSlots ?? Environment.ProcessorCount),
            Options.PassivateAfter,
            Options.TimeProvider,
            LoggerFactory.CreateLogger<MediaJob>(),
            registry.Get<ClassifiersKey>(),
            Options.Scenes)
        {
            MaxCrashes = Options.MaxCrashes,
            Paths = Options.JobPaths,
            Diarization = Options.Diarization,
        };
    }
}
