using Akka.Actor;
using Akka.Persistence;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>Records a job id before the job starts (idempotent); answered with the same message.</summary>
public sealed record RegisterJob(string JobId);

/// <summary>Replies with a <see cref="JobListing"/> of every registered job, or of one when <paramref name="JobId"/> is set.</summary>
public sealed record ListJobs(string? JobId = null)
{
    public static ListJobs All { get; } = new();
}

/// <summary>The index's answer: running jobs (ask them for progress) and ended jobs' last progress, each in id order.</summary>
public sealed record JobListing(IReadOnlyList<string> Unfinished, IReadOnlyList<JobProgress> Ended);

/// <summary>
/// The node's listing of jobs (a read model): which were registered and, as each job reports its end, their final
/// progress — so listing and looking up ended jobs never wakes their (passivated) entities. It does not wake
/// unfinished jobs after a restart: the shard region's remember-entities does.
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
            if (_unfinished.Contains(register.JobId) || _ended.ContainsKey(register.JobId))
            {
                Sender.Tell(register);
                return;
            }

            var replyTo = Sender;
            Persist(new JobRegistered { JobId = register.JobId }, e =>
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
        Command<ListJobs>(list => Sender.Tell(list.JobId is { } id
            ? new JobListing(_unfinished.Contains(id) ? [id] : [], _ended.TryGetValue(id, out var ended) ? [ended] : [])
            : new JobListing([.. _unfinished], [.. _ended.Values])));
    }

    public override string PersistenceId => "job-index";

    public static Props Props() => Akka.Actor.Props.Create(() => new JobIndex());

    private void Apply(JobRegistered e) => _unfinished.Add(e.JobId);

    private void Apply(JobEnded e)
    {
        _unfinished.Remove(e.JobId);
        _ended[e.JobId] = e.Final;
    }
}
