using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Speech;
using MediaCluster.Media.Asr;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCluster.Actors;

/// <summary>
/// What callers (the HTTP API, `node process`, tests) use of a node: start, follow, list and cancel jobs, and read
/// its metrics. Behind it is the actor system built by <see cref="MediaClusterAkka.WithMediaCluster"/>: a one-node
/// cluster with the jobs shard region, the job index and the workers.
/// </summary>
public sealed class MediaNode : IAsyncDisposable
{
    private readonly IActorRef _jobs;
    private readonly IActorRef _index;
    private readonly IActorRef _trainer;
    private readonly TimeSpan _askTimeout;
    private IHost? _ownedHost;
    private int _disposed;

    private readonly MediaNodeOptions _options;

    public MediaNode(
        ActorSystem system, IReadOnlyActorRegistry registry, MediaNodeOptions options, AsrMetrics metrics, VadMetrics vad, Live.LiveMetrics live,
        Training.ModelRegistry models, NodeHealth health)
    {
        Health = health;
        Models = models;
        _trainer = registry.Get<TrainerKey>();
        System = system;
        Metrics = metrics;
        LiveMetrics = live;
        _options = options;
        VadSlots = vad.Slots;
        _jobs = registry.Get<JobRegionKey>();
        _index = registry.Get<JobIndexKey>();
        _askTimeout = options.AskTimeout;
    }

    /// <summary>Whether the journal and the job index answer (for /readyz and the API's 503s).</summary>
    public NodeHealth Health { get; }

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The cluster's model registry (versions, metrics, status).</summary>
    public Training.ModelRegistry Models { get; }

    /// <summary>Asks the trainer to train <paramref name="task"/> on the data at <paramref name="paths"/> (paths the jobs nodes can read).</summary>
    public Task<TrainingAccepted> TrainAsync(string task, IEnumerable<string> paths, string origin, CancellationToken cancellationToken = default) =>
        _trainer.Ask<TrainingAccepted>(new TrainModel { Task = task, Paths = { paths }, Origin = origin }, _askTimeout, cancellationToken);

    /// <summary>Promotes a registered version (rollback, or roll forward); every classifier switches to it.</summary>
    public Task<PromoteModelResult> PromoteModelAsync(string task, int version, CancellationToken cancellationToken = default) =>
        _trainer.Ask<PromoteModelResult>(new PromoteModel { Task = task, Version = version }, _askTimeout, cancellationToken);

    /// <summary>What the trainer is doing and what it did lately.</summary>
    public Task<TrainerStatus> TrainerStatusAsync(CancellationToken cancellationToken = default) =>
        _trainer.Ask<TrainerStatus>(new GetTrainerStatus(), _askTimeout, cancellationToken);

    /// <summary>Recognition counts, real-time factor, the ASR slots.</summary>
    public AsrMetrics Metrics { get; }

    /// <summary>Live sessions and streams, partial latency, live real-time factor.</summary>
    public Live.LiveMetrics LiveMetrics { get; }

    /// <summary>The live-audio limits and utterance settings of this node.</summary>
    public Live.LiveLimits LiveLimits => _options.Live;

    /// <summary>
    /// Opens a live session (<see cref="Live.LiveSession"/>) whose results go to <paramref name="output"/>; the caller sends it
    /// <see cref="Live.LiveSession.Audio"/> (asking, to wait for room) and <see cref="Live.LiveSession.End"/>, and stops it
    /// when its client goes away.
    /// </summary>
    public IActorRef OpenLiveSession(string id, System.Threading.Channels.ChannelWriter<Live.LiveOutput> output) =>
        System.ActorOf(Live.LiveSession.Props(id, _options.Live, LiveMetrics, output, _options.TimeProvider), $"live-{id}");

    /// <summary>The speech-detection slots (one decoder + VAD per slot; more jobs wait).</summary>
    public SlotGauge VadSlots { get; }

    /// <summary>What every Up member is doing now (slots, queue, live sessions); a member that does not answer within 2 s is left out.</summary>
    public async Task<IReadOnlyList<Messages.Jobs.NodeStatusReport>> NodeStatusesAsync(CancellationToken cancellationToken = default)
    {
        var members = Akka.Cluster.Cluster.Get(System).State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).ToList();
        var answers = await Task.WhenAll(members.Select(async member =>
        {
            try
            {
                return await System.ActorSelection(new RootActorPath(member.Address) / "user" / NodeStatus.Name)
                    .Ask<Messages.Jobs.NodeStatusReport>(new Messages.Jobs.GetNodeStatus(), TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (AskTimeoutException)
            {
                return null;
            }
        }));
        return [.. answers.OfType<Messages.Jobs.NodeStatusReport>()];
    }

    /// <summary>Members of this node's cluster that are Up, as this node sees them.</summary>
    public int MembersUp => Akka.Cluster.Cluster.Get(System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    /// <summary>The cluster's members as this node sees them, with leader and oldest.</summary>
    public Messages.Api.ClusterInfo ClusterState()
    {
        var cluster = Akka.Cluster.Cluster.Get(System);
        var state = cluster.State;
        var oldest = state.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault();
        return new Messages.Api.ClusterInfo(
            cluster.SelfAddress.ToString(),
            state.Leader?.ToString(),
            oldest?.Address.ToString(),
            [.. state.Members.Select(m => new Messages.Api.MemberInfo(
                m.Address.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)], m.Status.ToString().ToLowerInvariant(), !state.Unreachable.Contains(m)))]);
    }

    /// <summary>The jobs region's shards and entities on each node that hosts it.</summary>
    public async Task<Messages.Api.RegionStats> JobRegionStatsAsync(CancellationToken cancellationToken = default)
    {
        var stats = await _jobs.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(5)), _askTimeout, cancellationToken);
        return new Messages.Api.RegionStats(
            MediaClusterAkka.JobsTypeName,
            [.. stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
                .Select(r => new Messages.Api.RegionInfo(r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum()))]);
    }

    /// <summary>Asks <paramref name="address"/> to leave the cluster gracefully (its shards are handed off).</summary>
    public void Leave(string address) => Akka.Cluster.Cluster.Get(System).Leave(MemberAddress(address));

    /// <summary>Marks <paramref name="address"/> down (for a node known dead that the resolver has not downed).</summary>
    public void Down(string address) => Akka.Cluster.Cluster.Get(System).Down(MemberAddress(address));

    /// <summary>Downs every unreachable member; returns their addresses.</summary>
    public IReadOnlyList<string> DownUnreachable()
    {
        var cluster = Akka.Cluster.Cluster.Get(System);
        var unreachable = cluster.State.Unreachable.Select(m => m.Address).ToList();
        unreachable.ForEach(cluster.Down);
        return [.. unreachable.Select(a => a.ToString())];
    }

    /// <summary>A member's address from text, or an error naming the members there are.</summary>
    private Address MemberAddress(string address)
    {
        var members = Akka.Cluster.Cluster.Get(System).State.Members;
        return members.FirstOrDefault(m => m.Address.ToString() == address || $"{m.Address.Host}:{m.Address.Port}" == address)?.Address
            ?? throw new ArgumentException($"no member '{address}' (members: {string.Join(", ", members.Select(m => m.Address))})");
    }

    /// <summary>True once this node is an Up member of its cluster.</summary>
    public bool IsUp => Akka.Cluster.Cluster.Get(System).SelfMember.Status == Akka.Cluster.MemberStatus.Up;

    /// <summary>
    /// Starts a node in a host of its own (for `node process` and tests): journal in <paramref name="dataDirectory"/>,
    /// pocketsphinx on <paramref name="asrSlots"/> slots (default one per core) unless another <paramref name="recognizer"/>
    /// is given. Returns once the node is Up. Disposing the node stops the host.
    /// </summary>
    public static Task<MediaNode> StartAsync(
        string dataDirectory, int? asrSlots = null, ILoggerFactory? loggerFactory = null, ISpeechRecognizer? recognizer = null) =>
        StartAsync(new MediaNodeOptions { DataDirectory = dataDirectory, AsrSlots = asrSlots }, loggerFactory, recognizer);

    /// <summary>Starts a node with <paramref name="options"/>; see the other overload.</summary>
    public static async Task<MediaNode> StartAsync(MediaNodeOptions options, ILoggerFactory? loggerFactory = null, ISpeechRecognizer? recognizer = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddMediaNode(options, recognizer);
        var host = builder.Build();
        await host.StartAsync();
        var node = host.Services.GetRequiredService<MediaNode>();
        node._ownedHost = host;
        await node.WhenUpAsync();
        return node;
    }

    /// <summary>Completes once this node is Up in its cluster.</summary>
    public Task WhenUpAsync(CancellationToken cancellationToken = default)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(System).RegisterOnMemberUp(() => up.TrySetResult());
        return up.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Registers (for the listing) and starts a job without waiting for it.</summary>
    public async Task StartJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        await RegisterJobAsync(spec.JobId, cancellationToken);
        await StartRegisteredJobAsync(spec, cancellationToken);
    }

    /// <summary>Records a job's id in the listing (idempotent); until this succeeds, nothing of the job exists.</summary>
    public Task RegisterJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        _index.Ask<RegisterJob>(new RegisterJob { JobId = jobId }, _askTimeout, cancellationToken);

    /// <summary>Records in the listing that a registered job ended without ever starting (a live session that sent no audio).</summary>
    public void EndRegisteredJob(string jobId, JobState state, string reason) =>
        _index.Tell(new JobEnded { JobId = jobId, Final = new JobProgress { JobId = jobId, State = state, Error = reason } });

    /// <summary>
    /// Starts a registered job (idempotent by id: a job already started answers with its progress); a start the job's
    /// node refuses (<see cref="Jobs.JobPaths"/>) answers failed with the reason, nothing recorded.
    /// </summary>
    public Task<JobProgress> StartRegisteredJobAsync(JobSpec spec, CancellationToken cancellationToken = default) =>
        _jobs.Ask<JobProgress>(new StartJob { Spec = spec }, _askTimeout, cancellationToken);

    /// <summary>
    /// A page of the cluster's jobs, newest first: at most <paramref name="limit"/> (0: every job) registered before
    /// <paramref name="after"/> (null: from the newest). Ended jobs come from the index; each unfinished one on the page
    /// is asked for its progress (one that does not answer within <see cref="ProgressAskTimeout"/> is shown running).
    /// </summary>
    public async Task<JobPage> ListJobsAsync(int limit = 0, string? after = null, CancellationToken cancellationToken = default)
    {
        var listing = await _index.Ask<JobListing>(new ListJobs { Limit = limit, After = after ?? string.Empty }, _askTimeout, cancellationToken);
        return new JobPage(await ProgressOfAsync(listing, cancellationToken), listing.Next.Length > 0 ? listing.Next : null);
    }

    /// <summary>One job's progress, or null when no job has that id.</summary>
    public async Task<JobProgress?> FindJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        (await ProgressOfAsync(await _index.Ask<JobListing>(new ListJobs { JobId = jobId }, _askTimeout, cancellationToken), cancellationToken))
            .SingleOrDefault();

    /// <summary>How many jobs the index holds by state (no job is asked).</summary>
    public Task<JobCounts> JobCountsAsync(CancellationToken cancellationToken = default) =>
        _index.Ask<JobCounts>(new GetJobCounts(), _askTimeout, cancellationToken);

    /// <summary>How long a listing waits for one unfinished job's progress.</summary>
    public static readonly TimeSpan ProgressAskTimeout = TimeSpan.FromSeconds(5);

    private async Task<JobProgress[]> ProgressOfAsync(JobListing listing, CancellationToken cancellationToken)
    {
        var running = await Task.WhenAll(listing.Unfinished.Select(async id =>
        {
            try
            {
                return await _jobs.Ask<JobProgress>(new GetJobProgress { JobId = id }, ProgressAskTimeout, cancellationToken);
            }
            catch (AskTimeoutException)
            {
                return new JobProgress { JobId = id, State = JobState.Running };
            }
        }));
        var byId = running.Concat(listing.Ended).ToDictionary(p => p.JobId, StringComparer.Ordinal);
        return [.. listing.Order.Select(id => byId[id])];
    }

    /// <summary>The jobs the index has recorded as ended.</summary>
    internal async Task<IReadOnlyList<string>> EndedJobIdsAsync(CancellationToken cancellationToken = default) =>
        (await _index.Ask<JobListing>(new ListJobs(), _askTimeout, cancellationToken)).Ended.Select(p => p.JobId).ToList();

    /// <summary>Job entities alive in memory now (ended jobs are passivated after <see cref="MediaNodeOptions.PassivateAfter"/>).</summary>
    public async Task<int> JobsInMemoryAsync(CancellationToken cancellationToken = default) =>
        (await _jobs.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, _askTimeout, cancellationToken)).Shards.Sum(s => s.EntityIds.Count);

    /// <summary>A job's current progress, from the job itself (state New for an id never started).</summary>
    public Task<JobProgress> GetProgressAsync(string jobId, CancellationToken cancellationToken = default) =>
        _jobs.Ask<JobProgress>(new GetJobProgress { JobId = jobId }, _askTimeout, cancellationToken);

    /// <summary>Cancels a job; returns its progress afterwards (already ended: unchanged).</summary>
    public Task<JobProgress> CancelJobAsync(string jobId, string reason, CancellationToken cancellationToken = default) =>
        _jobs.Ask<JobProgress>(new CancelJob { JobId = jobId, Reason = reason }, _askTimeout, cancellationToken);

    /// <summary>Runs a failed or cancelled (or quarantined) job again from what it recorded; the result says why not when it cannot.</summary>
    public Task<RetryJobResult> RetryJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        _jobs.Ask<RetryJobResult>(new RetryJob { JobId = jobId }, _askTimeout, cancellationToken);

    /// <summary>Registers, starts or resumes a job, and waits for it to end; progress on every change.</summary>
    public async Task<JobProgress> RunAsync(JobSpec spec, IProgress<JobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await StartJobAsync(spec, cancellationToken);
        return await WatchAsync(spec.JobId, progress, cancellationToken);
    }

    /// <summary>Waits for a job (started here or resumed at start-up) to end; cancelling the token cancels the job.</summary>
    public async Task<JobProgress> WatchAsync(string jobId, IProgress<JobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await using var registration = cancellationToken.Register(() => _jobs.Tell(new CancelJob { JobId = jobId, Reason = "cancelled by the caller" }));
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
        var follower = System.ActorOf(Props.Create(() => new JobFollower(_jobs, jobId, updates.Writer)));
        try
        {
            await foreach (var update in updates.Reader.ReadAllAsync(cancellationToken))
            {
                yield return update;
                if (update.IsTerminal)
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

    /// <summary>Stops the host this node started in (nothing for a node that lives in someone else's host); idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownedHost is not { } host || Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await host.StopAsync();
        host.Dispose();
    }

    /// <summary>
    /// Subscribes to a job and hands its progress to a reader, each change once. A subscription lives in the job's
    /// memory, so it is renewed every few seconds: a job restarted (or moved to another node) keeps its followers.
    /// </summary>
    private sealed class JobFollower : ReceiveActor, IWithTimers
    {
        private static readonly TimeSpan s_renew = TimeSpan.FromSeconds(5);
        private JobProgress? _last;

        public JobFollower(IActorRef jobs, string jobId, ChannelWriter<JobProgress> updates)
        {
            // An address other nodes can resolve (host and port included).
            var subscribe = new SubscribeToJob { JobId = jobId, Subscriber = Akka.Serialization.Serialization.SerializedActorPath(Self) };
            jobs.Tell(subscribe);
            Receive<Renew>(_ => jobs.Tell(subscribe));
            Receive<JobProgress>(progress =>
            {
                if (!progress.Equals(_last))
                {
                    _last = progress;
                    updates.TryWrite(progress);
                }
            });
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart() => Timers.StartPeriodicTimer("renew", Renew.Instance, s_renew);

        private sealed record Renew
        {
            public static Renew Instance { get; } = new();
        }
    }
}

/// <summary>A page of jobs, newest first, and the cursor of the next page (null on the last).</summary>
public sealed record JobPage(IReadOnlyList<JobProgress> Jobs, string? Next);
