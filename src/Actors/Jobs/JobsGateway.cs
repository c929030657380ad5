using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// The way in to the cluster's jobs for a host (the HTTP API, live sessions, `node process`, tests): register, start,
/// follow, list, cancel and retry jobs. Behind it are the jobs shard region and the job index.
/// </summary>
public sealed class JobsGateway(ActorSystem system, IReadOnlyActorRegistry registry, MediaNodeOptions options)
{
    /// <summary>How long a listing waits for one unfinished job's progress.</summary>
    public static readonly TimeSpan ProgressAskTimeout = TimeSpan.FromSeconds(5);

    private readonly IActorRef _jobs = registry.Get<JobRegionKey>();
    private readonly IActorRef _index = registry.Get<JobIndexKey>();
    private readonly TimeSpan _askTimeout = options.AskTimeout;

    /// <summary>Registers (for the listing) and starts a job without waiting for it.</summary>
    public async Task StartAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        await RegisterAsync(spec.JobId, cancellationToken);
        await StartRegisteredAsync(spec, cancellationToken);
    }

    /// <summary>Records a job's id in the listing (idempotent); until this succeeds, nothing of the job exists.</summary>
    public Task RegisterAsync(string jobId, CancellationToken cancellationToken = default) =>
        _index.Ask<RegisterJob>(new RegisterJob { JobId = jobId }, _askTimeout, cancellationToken);

    /// <summary>Records in the listing that a registered job ended without ever starting (a live session that sent no audio).</summary>
    public void EndRegistered(string jobId, JobState state, string reason) =>
        _index.Tell(new JobEnded { JobId = jobId, Final = new JobProgress { JobId = jobId, State = state, Error = reason } });

    /// <summary>
    /// Starts a registered job (idempotent by id: a job already started answers with its progress); a start the job's
    /// node refuses (<see cref="JobPaths"/>) answers failed with the reason, nothing recorded.
    /// </summary>
    public async Task<JobProgress> StartRegisteredAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        using var submitting = Hosting.Telemetry.Submitting(spec);
        return await _jobs.Ask<JobProgress>(new StartJob { Spec = spec }, _askTimeout, cancellationToken);
    }

    /// <summary>
    /// A page of the cluster's jobs, newest first: at most <paramref name="limit"/> (0: every job) registered before
    /// <paramref name="after"/> (null: from the newest). Ended jobs come from the index; each unfinished one on the page
    /// is asked for its progress (one that does not answer within <see cref="ProgressAskTimeout"/> is shown running).
    /// </summary>
    public async Task<JobPage> ListAsync(int limit = 0, string? after = null, CancellationToken cancellationToken = default)
    {
        var listing = await _index.Ask<JobListing>(new ListJobs { Limit = limit, After = after ?? string.Empty }, _askTimeout, cancellationToken);
        return new JobPage(await ProgressOfAsync(listing, cancellationToken), listing.Next.Length > 0 ? listing.Next : null);
    }

    /// <summary>One job's progress, or null when no job has that id.</summary>
    public async Task<JobProgress?> FindAsync(string jobId, CancellationToken cancellationToken = default) =>
        (await ProgressOfAsync(await _index.Ask<JobListing>(new ListJobs { JobId = jobId }, _askTimeout, cancellationToken), cancellationToken))
            .SingleOrDefault();

    /// <summary>How many jobs the index holds by state (no job is asked).</summary>
    public Task<JobCounts> CountsAsync(CancellationToken cancellationToken = default) =>
        _index.Ask<JobCounts>(new GetJobCounts(), _askTimeout, cancellationToken);

    /// <summary>The jobs the index has recorded as ended.</summary>
    public async Task<IReadOnlyList<string>> EndedIdsAsync(CancellationToken cancellationToken = default) =>
        (await _index.Ask<JobListing>(new ListJobs(), _askTimeout, cancellationToken)).Ended.Select(p => p.JobId).ToList();

    /// <summary>Job entities alive in memory now (ended jobs are passivated after <see cref="MediaNodeOptions.PassivateAfter"/>).</summary>
    public async Task<int> InMemoryAsync(CancellationToken cancellationToken = default) =>
        (await _jobs.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, _askTimeout, cancellationToken)).Shards.Sum(s => s.EntityIds.Count);

    /// <summary>The jobs region's shards and entities on each node that hosts it.</summary>
    public async Task<Messages.Api.RegionStats> RegionStatsAsync(CancellationToken cancellationToken = default)
    {
        var stats = await _jobs.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(5)), _askTimeout, cancellationToken);
        return new Messages.Api.RegionStats(
            MediaClusterAkka.JobsTypeName,
            [.. stats.Regions.OrderBy(r => r.Key.ToString(), StringComparer.Ordinal)
                .Select(r => new Messages.Api.RegionInfo(r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum()))]);
    }

    /// <summary>A job's current progress, from the job itself (state New for an id never started).</summary>
    public Task<JobProgress> ProgressAsync(string jobId, CancellationToken cancellationToken = default) =>
        _jobs.Ask<JobProgress>(new GetJobProgress { JobId = jobId }, _askTimeout, cancellationToken);

    /// <summary>Cancels a job; returns its progress afterwards (already ended: unchanged).</summary>
    public Task<JobProgress> CancelAsync(string jobId, string reason, CancellationToken cancellationToken = default) =>
        _jobs.Ask<JobProgress>(new CancelJob { JobId = jobId, Reason = reason }, _askTimeout, cancellationToken);

    /// <summary>Runs a failed or cancelled (or quarantined) job again from what it recorded; the result says why not when it cannot.</summary>
    public Task<RetryJobResult> RetryAsync(string jobId, CancellationToken cancellationToken = default) =>
        _jobs.Ask<RetryJobResult>(new RetryJob { JobId = jobId }, _askTimeout, cancellationToken);

    /// <summary>Names a completed job's speaker and writes its results again; the result says why not when it cannot.</summary>
    public Task<RenameSpeakerResult> RenameSpeakerAsync(string jobId, string speaker, string name, CancellationToken cancellationToken = default) =>
        _jobs.Ask<RenameSpeakerResult>(new RenameSpeaker { JobId = jobId, Speaker = speaker, Name = name }, _askTimeout, cancellationToken);

    /// <summary>Registers, starts or resumes a job, and waits for it to end; progress on every change.</summary>
    public async Task<JobProgress> RunAsync(JobSpec spec, IProgress<JobProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await StartAsync(spec, cancellationToken);
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
        var follower = system.ActorOf(JobFollower.Props(_jobs, jobId, updates.Writer));
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
            system.Stop(follower);
        }
    }

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
}

/// <summary>A page of jobs, newest first, and the cursor of the next page (null on the last).</summary>
public sealed record JobPage(IReadOnlyList<JobProgress> Jobs, string? Next);
