using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Workers;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Vad;
using MediaCluster.Messages.Jobs;
using MediaCluster.Runtime;
using MediaCluster.Runtime.Cluster;
using MediaCluster.Runtime.Persistence;
using MediaCluster.Runtime.Sharding;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCluster.Actors;

/// <summary>How an embedded node starts.</summary>
public sealed record MediaNodeOptions
{
    /// <summary>Where the journal (SQLite) lives.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>ASR slots; default one per core.</summary>
    public int? AsrSlots { get; init; }

    /// <summary>Jobs detecting speech at once (decoder + VAD each); default one per core. More jobs wait their turn.</summary>
    public int? VadSlots { get; init; }

    /// <summary>This node's roles.</summary>
    public IReadOnlyCollection<string> Roles { get; init; } = [];

    /// <summary>The role ASR workers are placed on (any node when no node has it). An embedded node is its only member.</summary>
    public string AsrRole { get; init; } = "gpu";

    /// <summary>The clock of the node's actors (timers, receive timeouts); tests pass a manual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How long an ended job stays in memory without messages before its shard passivates it.</summary>
    public TimeSpan PassivateAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long disposing waits for busy actors before it stops without them.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// An embedded node: an actor system with a SQLite journal in <c>DataDirectory</c>, the VAD model, an ASR
/// pool with one slot per core, and one persistent <see cref="MediaJob"/> per job id.
/// </summary>
public sealed class MediaNode : IAsyncDisposable
{
    private readonly EventStore _store;
    private readonly SileroVad _vad;
    private readonly ISpeechRecognizer _recognizer;
    private readonly JobServices _services;
    private readonly IActorRef _jobs;

    private readonly ILogger _log;
    private readonly TimeSpan _shutdownTimeout;
    private int _disposed;

    private MediaNode(ActorSystem system, EventStore store, SileroVad vad, ISpeechRecognizer recognizer, MediaNodeOptions options, ILogger log)
    {
        _log = log;
        _shutdownTimeout = options.ShutdownTimeout;
        var metrics = new AsrMetrics();
        System = system;
        _store = store;
        _vad = vad;
        _recognizer = recognizer;
        Metrics = metrics;
        var pool = system.ActorOf(Props.Create(() => new AsrPool(recognizer, metrics)), "asr");
        VadSlots = new SlotGauge { Slots = options.VadSlots ?? Environment.ProcessorCount };
        var vadGate = system.ActorOf(Props.Create(() => new SlotGate(VadSlots)), "vad-slots");
        _services = new JobServices(pool, vadGate, vad, recognizer.Concurrency * 2, recognizer.Engine, recognizer.Model, options.PassivateAfter);
        _jobs = system.ActorOf(Props.Create(() => new ShardRegion(id => Props.Create(() => new MediaJob(id, _services)), 100)), "jobs");
        _index = system.ActorOf(Props.Create(() => new JobIndex(Job)), "job-index");
    }

    private readonly IActorRef _index;

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>Recognition counts, real-time factor, the ASR slots.</summary>
    public AsrMetrics Metrics { get; }

    /// <summary>The speech-detection slots (one decoder + VAD per slot; more jobs wait).</summary>
    public SlotGauge VadSlots { get; }

    /// <summary>
    /// Starts a node whose journal lives in <paramref name="dataDirectory"/>, with pocketsphinx on
    /// <paramref name="asrSlots"/> slots (default one per core) unless another <paramref name="recognizer"/> is given.
    /// The node disposes the recognizer.
    /// </summary>
    public static Task<MediaNode> StartAsync(
        string dataDirectory, int? asrSlots = null, ILoggerFactory? loggerFactory = null, ISpeechRecognizer? recognizer = null) =>
        StartAsync(new MediaNodeOptions { DataDirectory = dataDirectory, AsrSlots = asrSlots }, loggerFactory, recognizer);

    /// <summary>Starts a node with <paramref name="options"/>; see the other overload.</summary>
    public static async Task<MediaNode> StartAsync(MediaNodeOptions options, ILoggerFactory? loggerFactory = null, ISpeechRecognizer? recognizer = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger<MediaNode>();
        var self = ClusterMember.Of(Environment.MachineName, options.Roles);
        var (hosts, byRole) = RolePlacement.Hosts([self], options.AsrRole);
        log.LogInformation(
            byRole ? "ASR workers on {Hosts} (role '{Role}')" : "ASR workers on {Hosts} (no node has role '{Role}', so any node)",
            string.Join(", ", hosts.Select(h => h.Address)), options.AsrRole);

        var serializer = new MessageSerializer().Register(JobsReflection.Descriptor);
        var store = await EventStore.OpenAsync(new PersistenceOptions { Backend = "sqlite", DataDirectory = options.DataDirectory }, serializer, loggerFactory);
        var system = ActorSystem.Create("media", loggerFactory: loggerFactory, timeProvider: options.TimeProvider).UseEventStore(store);
        var vad = new SileroVad(log: loggerFactory.CreateLogger<SileroVad>());
        return new MediaNode(system, store, vad, recognizer ?? new PocketSphinxRecognizer(concurrency: options.AsrSlots), options, log);
    }

    /// <summary>The job <paramref name="jobId"/> behind the shard region (created, and so recovered, on first message).</summary>
    public IActorRef Job(string jobId) => ShardRegion.EntityRef(_jobs, jobId);

    /// <summary>Registers (remember-entities) and starts a job without waiting for it.</summary>
    public async Task StartJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        await _index.Ask<RegisterJob>(new RegisterJob(spec.JobId), TimeSpan.FromSeconds(30), cancellationToken);
        Job(spec.JobId).Tell(new StartJob(spec));
    }

    /// <summary>Every job registered on this node, in id order: ended ones from the index, running ones asked.</summary>
    public async Task<JobProgress[]> ListJobsAsync(CancellationToken cancellationToken = default) =>
        await ProgressOfAsync(await _index.Ask<JobListing>(ListJobs.All, TimeSpan.FromSeconds(30), cancellationToken), cancellationToken);

    /// <summary>One job's progress, or null when no job has that id.</summary>
    public async Task<JobProgress?> FindJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        (await ProgressOfAsync(await _index.Ask<JobListing>(new ListJobs(jobId), TimeSpan.FromSeconds(30), cancellationToken), cancellationToken))
            .SingleOrDefault();

    private async Task<JobProgress[]> ProgressOfAsync(JobListing listing, CancellationToken cancellationToken)
    {
        var running = await Task.WhenAll(listing.Unfinished.Select(id => GetProgressAsync(id, cancellationToken)));
        return [.. running.Concat(listing.Ended).OrderBy(p => p.JobId, StringComparer.Ordinal)];
    }

    /// <summary>The jobs the index has recorded as ended.</summary>
    internal async Task<IReadOnlyList<string>> EndedJobIdsAsync(CancellationToken cancellationToken = default) =>
        (await _index.Ask<JobListing>(ListJobs.All, TimeSpan.FromSeconds(30), cancellationToken)).Ended.Select(p => p.JobId).ToList();

    /// <summary>Job actors alive in memory now (ended jobs are passivated after <see cref="MediaNodeOptions.PassivateAfter"/>).</summary>
    public async Task<int> JobsInMemoryAsync(CancellationToken cancellationToken = default) =>
        (await _jobs.Ask<RegionStats>(GetRegionStats.Instance, TimeSpan.FromSeconds(30), cancellationToken)).Entities;

    /// <summary>A job's current progress, from the job itself ("new" for an id never started).</summary>
    public Task<JobProgress> GetProgressAsync(string jobId, CancellationToken cancellationToken = default) =>
        Job(jobId).Ask<JobProgress>(GetJobProgress.Instance, TimeSpan.FromSeconds(30), cancellationToken);

    /// <summary>Registers (remember-entities), starts or resumes a job, and waits for it to end; progress on every change.</summary>
    public async Task<JobProgress> RunAsync(JobSpec spec, IProgress<JobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await StartJobAsync(spec, cancellationToken);
        return await WatchAsync(spec.JobId, progress, cancellationToken);
    }

    /// <summary>Waits for a job (started here or resumed at start-up) to end; cancelling the token cancels the job.</summary>
    public async Task<JobProgress> WatchAsync(string jobId, IProgress<JobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var job = Job(jobId);
        await using var registration = cancellationToken.Register(() => job.Tell(new CancelJob("cancelled by the caller")));
        JobProgress? last = null;
        await foreach (var update in FollowAsync(jobId, CancellationToken.None))
        {
            progress?.Report(update);
            last = update;
        }

        return last!;
    }

    /// <summary>The job's progress now and on every change, in order, ending with its terminal state.</summary>
    public async IAsyncEnumerable<JobProgress> FollowAsync(string jobId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = Channel.CreateUnbounded<JobProgress>(new() { SingleReader = true });
        var follower = System.ActorOf(Props.Create(() => new JobFollower(updates.Writer)));
        try
        {
            Job(jobId).Tell(new SubscribeToJob(follower));
            await foreach (var update in updates.Reader.ReadAllAsync(cancellationToken))
            {
                yield return update;
                if (JobStates.IsTerminal(update.State))
                {
                    yield break;
                }
            }
        }
        finally
        {
            System.Stop(follower);
        }
    }

    /// <summary>Watches <paramref name="options"/>' inbox: each new, finished file becomes a job (registered, so it resumes after a restart).</summary>
    public IActorRef WatchInbox(WatchFolderOptions options)
    {
        var starter = System.ActorOf(Props.Create(() => new InboxJobStarter(_index, Job)));
        return System.ActorOf(Props.Create(() => new WatchFolder(options, starter)), "inbox");
    }

    /// <summary>
    /// Stops every actor, then closes the journal and the engines. When an actor is still inside a handler after
    /// the shutdown timeout (a hung engine), it gives up waiting: the journal is closed (a late write fails and is
    /// redone after the restart), the engines are left open (freeing one in use would crash the process), and a
    /// warning says so. Disposing again does nothing.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var stopped = await Task.WhenAny(System.Terminate(), Task.Delay(_shutdownTimeout)) == System.WhenTerminated;
        await _store.DisposeAsync();
        if (!stopped)
        {
            _log.LogWarning("Actors were still busy {Timeout} after shutdown began (a hung engine?); stopping without waiting for them", _shutdownTimeout);
            return;
        }

        _recognizer.Dispose();
        _vad.Dispose();
    }

    private sealed class InboxJobStarter : ActorBase
    {
        public InboxJobStarter(IActorRef index, Func<string, IActorRef> jobFor)
        {
            Receive<StartInboxJob>(start =>
            {
                index.Tell(new RegisterJob(start.Spec.JobId), Self);
                jobFor(start.Spec.JobId).Tell(new StartJob(start.Spec), Self);
            });
            Receive<RegisterJob>(_ => { });
            Receive<Messages.Jobs.JobProgress>(_ => { });
        }
    }

    /// <summary>Receives a job's progress and hands it to a reader.</summary>
    private sealed class JobFollower : ActorBase
    {
        public JobFollower(ChannelWriter<JobProgress> updates) =>
            Receive<JobProgress>(p => updates.TryWrite(p));
    }
}
