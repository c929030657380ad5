using MediaCluster.Messages.Jobs;
using MediaCluster.Runtime;
using MediaCluster.Runtime.Persistence;

namespace MediaCluster.Actors.Jobs;

/// <summary>Records a job id before the job starts (idempotent).</summary>
public sealed record RegisterJob(string JobId);

/// <summary>Replies with a <see cref="JobListing"/> of every registered job, or of one when <paramref name="JobId"/> is set.</summary>
public sealed record ListJobs(string? JobId = null)
{
    public static ListJobs All { get; } = new();
}

/// <summary>The index's answer: running jobs (ask them for progress) and ended jobs' last progress, each in id order.</summary>
public sealed record JobListing(IReadOnlyList<string> Unfinished, IReadOnlyList<JobProgress> Ended);

/// <summary>
/// Remember-entities for a node: which jobs were started and which have ended. When the node starts, the
/// index recovers and wakes every unfinished job, which then resumes from its own journal.
/// </summary>
internal sealed class JobIndex : PersistentActor
{
    private readonly SortedSet<string> _unfinished = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, JobProgress> _ended = new(StringComparer.Ordinal);

    public JobIndex(Func<string, IActorRef> jobFor)
    {
        Recover<JobRegistered>(e => _unfinished.Add(e.JobId));
        Recover<JobEnded>(Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var id in _unfinished)
            {
                jobFor(id).Tell(new SubscribeToJob(Self), Self);
            }
        });
        Receive<RegisterJob>(r =>
        {
            if (_unfinished.Contains(r.JobId) || _ended.ContainsKey(r.JobId))
            {
                Sender.Tell(r, Self);
                return;
            }

            var replyTo = Sender;
            Persist(new JobRegistered { JobId = r.JobId }, e =>
            {
                _unfinished.Add(e.JobId);
                jobFor(e.JobId).Tell(new SubscribeToJob(Self), Self);
                replyTo.Tell(r, Self);
            });
        });
        Receive<ListJobs>(list => Sender.Tell(
            list.JobId is { } id
                ? new JobListing(_unfinished.Contains(id) ? [id] : [], _ended.TryGetValue(id, out var ended) ? [ended] : [])
                : new JobListing([.. _unfinished], [.. _ended.Values]),
            Self));
        Receive<JobProgress>(p =>
        {
            if (_unfinished.Contains(p.JobId) && JobStates.IsTerminal(p.State))
            {
                Persist(new JobEnded { JobId = p.JobId, State = p.State, Final = p }, Apply);
            }
        });
    }

    private void Apply(JobEnded e)
    {
        _unfinished.Remove(e.JobId);
        _ended[e.JobId] = e.Final ?? new JobProgress { JobId = e.JobId, State = e.State };
    }

    public override string PersistenceId => "job-index";
}
