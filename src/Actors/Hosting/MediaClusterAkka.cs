using System.Globalization;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Google.Protobuf;
using LinqToDB;
using MediaCluster.Actors.Ingest;
using MediaCluster.Messages.Serialization;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Hosting;

/// <summary>The node's Akka wiring, from <see cref="MediaNodeOptions"/>, through Akka.Hosting's builders.</summary>
public static partial class MediaClusterAkka
{
    /// <summary>The actor system's name (every node of a cluster must use the same).</summary>
    public const string SystemName = "mediacluster";

    /// <summary>The shard region's type name.</summary>
    public const string JobsTypeName = "jobs";

    /// <summary>The role of nodes that host job shards (with their speech detection and segment queue) and the job index.</summary>
    public const string JobsRole = "jobs";

    /// <summary>The role of nodes whose ASR workers pull segments from every jobs node.</summary>
    public const string GpuRole = "gpu";

    /// <summary>
    /// Akka.Remote's frame limit, raised deliberately from its 128 kB so that the largest message between nodes fits:
    /// a segment's audio to a worker on another node — a maximum-length VAD segment with its padding, PCM16 at 16 kHz
    /// (≈ 0.97 MB at the default 30 s) — plus room for the envelope. The socket buffers hold two frames.
    /// </summary>
    public static readonly int MaxRemotingFrameBytes = LargestSegmentBytes(new Media.Vad.VadOptions()) + 64 * 1024;

    private const string JobIndexName = "job-index";

    private const string TrainerName = "trainer";

    private static readonly ClusterSingletonOptions TrainerSingleton = new() { Role = GpuRole, LogSingletonIdentificationFailure = false };

    // While the cluster forms (and while it hands the singleton over) the proxy buffers requests; its warning that
    // it has not found the singleton yet would be noise at every start.
    private static readonly ClusterSingletonOptions IndexSingleton = new() { Role = JobsRole, LogSingletonIdentificationFailure = false };

    /// <summary>
    /// Remoting and clustering (a node with no seeds joins itself: a one-node cluster on loopback), the protobuf
    /// serializer for every <see cref="IMessage"/>, the SQL journal and snapshot store; then what the node's roles host
    /// (<see cref="WithJobsRole"/> or only the proxies to the jobs nodes, <see cref="WithTrainer"/>, <see cref="WithNodeActors"/>, the inbox).
    /// Akka's own logging goes to <see cref="ILoggerFactory"/> at Warning.
    /// </summary>
    public static AkkaConfigurationBuilder WithMediaCluster(
        this AkkaConfigurationBuilder builder, MediaNodeOptions options, IServiceProvider services)
    {
        var node = new NodeWiring(options, services);

        // The engines a gpu node uses are made now, so one that cannot start (a CUDA-only VAD on a CPU build, a bad
        // whisper model) stops the node at start. Other roles run no model and never make one.
        if (node.HostsWorkers)
        {
            _ = node.Engines.Vad;
            _ = node.Engines.Recognizer;
        }

        builder.WithClusterMembership(node);
        (node.HostsJobs ? builder.WithJobsRole(node) : builder.WithJobsProxies(node))
            .WithTrainer(node)
            .WithNodeActors(node)
            .WithInbox(options)
            .AddStartup((system, _) =>
            {
                if (options.Seeds.Count == 0)
                {
                    // No seeds: the embedded node, a one-node cluster on loopback.
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                }
            });
        return builder;
    }

    /// <summary>Logging, remoting (TLS when the cluster has a certificate), clustering, pub-sub, the serializer and the journal.</summary>
    private static AkkaConfigurationBuilder WithClusterMembership(this AkkaConfigurationBuilder builder, NodeWiring node)
    {
        var options = node.Options;
        var remote = new RemoteOptions
        {
            HostName = options.ClusterHost,
            Port = options.ClusterPort,
            PublicHostName = options.ClusterPublicHost,
            MaxFrameSize = MaxRemotingFrameBytes,
            SendBufferSize = 2 * MaxRemotingFrameBytes,
            ReceiveBufferSize = 2 * MaxRemotingFrameBytes,
        };
        if (options.ClusterCertificate is { } certificate)
        {
            remote.EnableSsl = true;
            remote.Ssl = MutualTls(certificate, options.TrustedCertificateHashes, options.TimeProvider);
        }

        var (connectionString, provider) = Journal(options);
        return builder
            .ConfigureLoggers(logging =>
            {
                logging.LogLevel = Akka.Event.LogLevel.WarningLevel;
                logging.LogConfigOnStart = false;
                logging.ClearLoggers();
                logging.AddLoggerFactory(node.LoggerFactory);
            })
            .AddHocon(FailoverHocon(options.Failover), HoconAddMode.Prepend)
            .WithRemoting(remote)
            .WithClustering(new ClusterOptions
            {
                Roles = [.. options.Roles, .. options.Inbox is { } watched ? [InboxRole(watched.Inbox)] : Array.Empty<string>()],
                SeedNodes = [.. options.Seeds],
                SplitBrainResolver = new KeepMajorityOption(),
                FailureDetector = new PhiAccrualFailureDetectorOptions
                {
                    HeartbeatInterval = options.Failover.HeartbeatInterval,
                    AcceptableHeartbeatPause = options.Failover.AcceptableHeartbeatPause,
                },
            })
            .WithDistributedPubSub(role: string.Empty)
            .WithCustomSerializer(ProtobufSerializer.Name, ProtobufSerializer.BoundTypes, system => new ProtobufSerializer(system))
            .WithSqlPersistence(connectionString, provider, autoInitialize: true);
    }

    /// <summary>
    /// The cluster role of the nodes watching <paramref name="inbox"/>: a node configured with an inbox takes it, so that
    /// the inbox's watcher is one singleton among exactly those nodes (two nodes on one shared folder make one job per file).
    /// </summary>
    public static string InboxRole(string inbox) =>
        "inbox-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(inbox))))[..12];

    /// <summary>The inbox's watcher: a singleton among the nodes with its role, under the backoff supervisor, with this node's starter.</summary>
    private static AkkaConfigurationBuilder WithInbox(this AkkaConfigurationBuilder builder, MediaNodeOptions options) =>
        options.Inbox is not { } inbox
            ? builder
            : builder.WithSingleton<InboxKey>(
                InboxRole(inbox.Inbox),
                (_, registry, _) => Restarting.WithBackoff(WatchFolder.Props(inbox, registry.Get<InboxStarterKey>(), options.TimeProvider), "inbox", "the watch folder"),
                new ClusterSingletonOptions { Role = InboxRole(inbox.Inbox), LogSingletonIdentificationFailure = false },
                createProxyToo: false);

    /// <summary>
    /// The timings with no typed Akka.Hosting option: the resolver's stable-after, the down-removal margin, the
    /// shard regions' retry interval, how soon a stopped job is started again and how long the journal's circuit breaker
    /// stays open (built from <see cref="FailoverTimings"/>, so the few lines of HOCON follow the options).
    /// And the threads membership runs on: the cluster's actors (gossip, heartbeats, the resolver) and remoting get
    /// dedicated threads instead of the shared thread pool, so that a node busy recognising speech still answers
    /// heartbeats in time — on a loaded 2-core machine, heartbeats queued behind pool work got healthy nodes downed.
    /// </summary>
    private static Akka.Configuration.Config FailoverHocon(FailoverTimings failover) =>
        Akka.Configuration.ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $$"""
            akka.cluster.split-brain-resolver.stable-after = {{failover.StableAfter.TotalMilliseconds}}ms
            akka.cluster.down-removal-margin = {{failover.DownRemovalMargin.TotalMilliseconds}}ms
            akka.cluster.sharding.retry-interval = {{failover.ShardingRetry.TotalMilliseconds}}ms
            akka.cluster.sharding.shard-start-timeout = {{failover.ShardingRetry.TotalMilliseconds * 4}}ms
            akka.cluster.sharding.entity-restart-backoff = {{failover.EntityRestartBackoff.TotalMilliseconds}}ms
            akka.persistence.journal.sql.circuit-breaker.reset-timeout = {{failover.JournalBreakerReset.TotalMilliseconds}}ms
            akka.persistence.snapshot-store.sql.circuit-breaker.reset-timeout = {{failover.JournalBreakerReset.TotalMilliseconds}}ms
            akka.cluster.use-dispatcher = mediacluster.membership-dispatcher
            akka.remote.default-remote-dispatcher.executor = fork-join-executor
            mediacluster.membership-dispatcher {
              type = Dispatcher
              executor = fork-join-executor
              fork-join-executor { parallelism-min = 2, parallelism-factor = 1.0, parallelism-max = 2 }
            }
            """));

    /// <summary>
    /// TLS with mutual authentication: this node presents the cluster certificate and accepts a peer (inbound or
    /// outbound) only when it presents the same one, or one of <paramref name="trusted"/> (during a rotation) — pinned
    /// by its SHA-256 hash, so chain and host name do not matter (the certificate is the cluster's own, self-signed,
    /// and nodes are reached by pod names or IPs) — and only between its validity dates.
    /// </summary>
    private static SslOptions MutualTls(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, IReadOnlyList<string> trusted, TimeProvider time)
    {
        var accepted = new HashSet<string>(trusted.Append(Sha256(certificate)), StringComparer.OrdinalIgnoreCase);
        return new SslOptions
        {
            X509Certificate = certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = (peer, _, remote, _, log) =>
            {
                if (peer is null)
                {
                    log.Warning("Refused {0}: it presented no certificate", remote);
                    return false;
                }

                using var presented = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(peer.GetRawCertData());
                var hash = Sha256(presented);
                if (!accepted.Contains(hash))
                {
                    log.Warning("Refused {0}: it did not present the cluster's certificate (certificate {1}, SHA-256 {2})", remote, presented.Subject, hash);
                    return false;
                }

                var now = time.GetUtcNow();
                if (now < presented.NotBefore.ToUniversalTime() || now > presented.NotAfter.ToUniversalTime())
                {
                    log.Warning(
                        "Refused {0}: its certificate (SHA-256 {1}) is valid from {2:u} to {3:u}, not now ({4:u}): it has {5}",
                        remote, hash, presented.NotBefore.ToUniversalTime(), presented.NotAfter.ToUniversalTime(), now.UtcDateTime,
                        now > presented.NotAfter.ToUniversalTime() ? "expired" : "not started yet");
                    return false;
                }

                return true;
            },
        };
    }

    /// <summary>A certificate's pin: the SHA-256 hash of its DER encoding, hex.</summary>
    public static string Sha256(System.Security.Cryptography.X509Certificates.X509Certificate certificate) =>
        certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);

    private static int LargestSegmentBytes(Media.Vad.VadOptions vad) =>
        (int)((vad.MaxSegment + 2 * vad.SpeechPad).TotalSeconds * 16_000) * sizeof(short);

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
