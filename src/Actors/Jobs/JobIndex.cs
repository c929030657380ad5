using MediaCluster.Messages.Jobs;
using MediaCluster.Runtime;
using MediaCluster.Runtime.Persistence;

namespace MediaCluster.Actors.Jobs;

/// <summary>Records a job id before the job starts (idempotent).</summary>
public sealed record RegisterJob(string JobId);

/// <summary>Replies with every registered job id, in order.</summary>
public sealed record ListJobIds
{
    public static ListJobIds Instance { get; } = new();
}

/// <summary>
/// Remember-entities for a node: which jobs were started and which have ended. When the node starts, the
/// index recovers and wakes every unfinished job, which then resumes from its own journal.
/// </summary>
internal sealed class JobIndex : PersistentActor
{
    private readonly HashSet<string> _unfinished = [];
    private readonly SortedSet<string> _all = new(StringComparer.Ordinal);

    public JobIndex(Func<string, IActorRef> jobFor)
    {
        Recover<JobRegistered>(e =>
        {
            _unfinished.Add(e.JobId);
            _all.Add(e.JobId);
        });
        Recover<JobEnded>(e => _unfinished.Remove(e.JobId));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var id in _unfinished.Order(StringComparer.Ordinal))
            {
                jobFor(id).Tell(new SubscribeToJob(Self), Self);
            }
        });
        Receive<RegisterJob>(r =>
        {
            if (_all.Contains(r.JobId))
            {
                Sender.Tell(r, Self);
                return;
            }

            var replyTo = Sender;
            Persist(new JobRegistered { JobId = r.JobId }, e =>
            {
                _unfinished.Add(e.JobId);
                _all.Add(e.JobId);
                jobFor(e.JobId).Tell(new SubscribeToJob(Self), Self);
                replyTo.Tell(r, Self);
            });
        });
        Receive<ListJobIds>(_ => Sender.Tell(_all.ToArray(), Self));
        Receive<JobProgress>(p =>
        {
            if (_unfinished.Contains(p.JobId) && JobStates.IsTerminal(p.State))
            {
                Persist(new JobEnded { JobId = p.JobId, State = p.State }, e => _unfinished.Remove(e.JobId));
            }
        });
    }

    public override string PersistenceId => "job-index";
}
