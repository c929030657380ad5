using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Google.Protobuf;
using LinqToDB;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Workers;
using MediaCluster.Messages.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Hosting;

/// <summary>The node's Akka wiring, from <see cref="MediaNodeOptions"/>, through Akka.Hosting's builders.</summary>
public static class MediaClusterAkka
{
    /// <summary>The actor system's name (every node of a cluster must use the same).</summary>
    public const string SystemName = "mediacluster";

    /// <summary>The shard region's type name.</summary>
    public const string JobsTypeName = "jobs";

    /// <summary>
    /// Remoting and clustering (a node with no seeds joins itself: a one-node cluster on loopback), the protobuf
    /// serializer for every <see cref="IMessage"/>, the SQL journal and snapshot store, the workers, the job index,
    /// and the jobs shard region with remember-entities in the journal (event-sourced), so unfinished jobs wake after
    /// a restart. Akka's own logging goes to <see cref="ILoggerFactory"/> at Warning.
    /// </summary>
    public static AkkaConfigurationBuilder WithMediaCluster(
        this AkkaConfigurationBuilder builder, MediaNodeOptions options, IServiceProvider services)
    {
        var engines = services.GetRequiredService<NodeEngines>();
        var metrics = services.GetRequiredService<AsrMetrics>();
        var vadMetrics = services.GetRequiredService<VadMetrics>();
        var loggerFactory = services.GetRequiredService<ILoggerFactory>();
        var (connectionString, provider) = Journal(options);
        return builder
            .ConfigureLoggers(logging =>
            {
                logging.LogLevel = Akka.Event.LogLevel.WarningLevel;
                logging.LogConfigOnStart = false;
                logging.ClearLoggers();
                logging.AddLoggerFactory(loggerFactory);
            })
            .WithRemoting(new RemoteOptions { HostName = options.ClusterHost, Port = options.ClusterPort })
            .WithClustering(new ClusterOptions { Roles = [.. options.Roles], SeedNodes = [] })
            .WithCustomSerializer(ProtobufSerializer.Name, ProtobufSerializer.BoundTypes, system => new ProtobufSerializer(system))
            .WithSqlPersistence(connectionString, provider, autoInitialize: true)
            .WithActors((system, registry) =>
            {
                registry.Register<AsrPoolKey>(system.ActorOf(AsrPool.Props(engines, metrics), "asr"));
                registry.Register<VadSlotsKey>(system.ActorOf(Props.Create(() => new SlotGate(vadMetrics.Slots)), "vad-slots"));
                registry.Register<JobIndexKey>(system.ActorOf(JobIndex.Props(), "job-index"));
            })
            .WithShardRegion<JobRegionKey>(
                JobsTypeName,
                (_, registry, _) =>
                {
                    var jobServices = new JobServices(
                        registry.Get<AsrPoolKey>(),
                        registry.Get<VadSlotsKey>(),
                        registry.Get<JobIndexKey>(),
                        engines,
                        engines.Recognizer.Concurrency * 2,
                        options.PassivateAfter,
                        options.TimeProvider,
                        loggerFactory.CreateLogger<MediaJob>());
                    return jobId => MediaJob.Props(jobId, jobServices);
                },
                new JobMessageExtractor(options.JobShards),
                new ShardOptions
                {
                    RememberEntities = true,
                    RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                    StateStoreMode = StateStoreMode.Persistence,
                })
            .WithActors((system, registry) =>
            {
                if (options.Inbox is { } inbox)
                {
                    var starter = system.ActorOf(InboxJobStarter.Props(registry.Get<JobIndexKey>(), registry.Get<JobRegionKey>()), "inbox-jobs");
                    system.ActorOf(WatchFolder.Props(inbox, starter, options.TimeProvider), "inbox");
                }
            })
            .AddStartup((system, _) =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
    }

    /// <summary>The journal's connection string and linq2db provider: PostgreSQL when configured, else SQLite in the data directory.</summary>
    private static (string ConnectionString, string Provider) Journal(MediaNodeOptions options)
    {
        if (options.JournalConnectionString is { Length: > 0 } postgres)
        {
            return (postgres, ProviderName.PostgreSQL);
        }

        Directory.CreateDirectory(options.DataDirectory);
        return ($"Data Source={Path.Combine(Path.GetFullPath(options.DataDirectory), "journal.db")}", ProviderName.SQLiteMS);
    }
}
