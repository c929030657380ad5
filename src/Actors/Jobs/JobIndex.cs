using Akka.Actor;
using Akka.Persistence;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// The cluster's listing of jobs (a read model, a cluster singleton on a <c>jobs</c> node): which were registered and,
/// as each job reports its end, their final progress — so listing and looking up ended jobs never wakes their
/// (passivated) entities. It does not wake unfinished jobs after a restart: the shard region's remember-entities does.
/// </summary>
internal sealed class JobIndex : ReceivePersistentActor
{
    private readonly SortedSet<string> _unfinished = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, JobProgress> _ended = new(StringComparer.Ordinal);

    public JobIndex()
    {
        Recover<JobRegistered>(Apply);
        Recover<JobEnded>(Apply);
        Command<RegisterJob>(register =>
        {
            if (_unfinished.Contains(register.JobId) || (_ended.ContainsKey(register.JobId) && !register.Reopen))
            {
                Sender.Tell(register);
                return;
            }

            var replyTo = Sender;
            Persist(new JobRegistered { JobId = register.JobId, Reopened = register.Reopen }, e =>
            {
                Apply(e);
                replyTo.Tell(register);
            });
        });
        Command<JobEnded>(ended =>
        {
            if (!_ended.ContainsKey(ended.JobId) && ended.Final is { IsTerminal: true })
            {
                Persist(ended, Apply);
            }
        });
        Command<ListJobs>(list =>
        {
            var listing = new JobListing();
            if (list.JobId is { Length: > 0 } id)
            {
                listing.Unfinished.AddRange(_unfinished.Contains(id) ? [id] : []);
                listing.Ended.AddRange(_ended.TryGetValue(id, out var ended) ? [ended] : []);
            }
            else
            {
                listing.Unfinished.AddRange(_unfinished);
                listing.Ended.AddRange(_ended.Values);
            }

            Sender.Tell(listing);
        });
    }

    public override string PersistenceId => "job-index";

    public static Props Props() => Akka.Actor.Props.Create(() => new JobIndex());

    private void Apply(JobRegistered e)
    {
        _ended.Remove(e.JobId);
        _unfinished.Add(e.JobId);
    }

    private void Apply(JobEnded e)
    {
        _unfinished.Remove(e.JobId);
        _ended[e.JobId] = e.Final;
    }
}
