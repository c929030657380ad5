using Akka.Actor;
using Akka.Persistence;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// The cluster's listing of jobs (a read model, a cluster singleton on a <c>jobs</c> node): which were registered, in
/// what order, and, as each job reports its end, their final progress — so listing and looking up ended jobs never
/// wakes their (passivated) entities, and counting them asks no job at all. Pages come newest first. A snapshot every
/// <see cref="SnapshotEvery"/> events keeps recovery short however many jobs there were. It does not wake unfinished
/// jobs after a restart: the shard region's remember-entities does.
/// </summary>
internal sealed class JobIndex : ReceivePersistentActor
{
    /// <summary>Events between snapshots.</summary>
    public const int SnapshotEvery = 1000;

    // Registration order: a job's position never changes (a retried job keeps its place).
    private readonly List<string> _order = [];
    private readonly Dictionary<string, int> _position = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobProgress> _ended = new(StringComparer.Ordinal);
    private int _quarantined;

    // Registrations and endings written but not yet applied (PersistAsync): a repeat of one waits for it instead of
    // writing it again, so a start retried by a client records the job once.
    private readonly Dictionary<string, List<IActorRef>> _registering = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ending = new(StringComparer.Ordinal);
    private readonly int[] _endedByState = new int[Enum.GetValues<JobState>().Length];

    public JobIndex()
    {
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is JobIndexSnapshot snapshot)
            {
                Restore(snapshot);
            }
        });
        Recover<JobRegistered>(Apply);
        Recover<JobEnded>(Apply);
        Command<RegisterJob>(Register);
        Command<JobEnded>(ended =>
        {
            if (!_ended.ContainsKey(ended.JobId) && ended.Final is { IsTerminal: true } && _ending.Add(ended.JobId))
            {
                PersistAsync(ended, e =>
                {
                    _ending.Remove(e.JobId);
                    Apply(e);
                    SnapshotNow();
                });
            }
        });
        Command<ListJobs>(list => Sender.Tell(list.JobId is { Length: > 0 } id ? One(id) : Page(list.Limit, list.After)));
        Command<GetJobCounts>(_ => Sender.Tell(Counts()));
        Command<SaveSnapshotSuccess>(saved => DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(_ => { }); // the journal has every event: the next snapshot tries again
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId => "job-index";

    public static Props Props() => Akka.Actor.Props.Create(() => new JobIndex());

    private void Restore(JobIndexSnapshot snapshot)
    {
        foreach (var entry in snapshot.Entries)
        {
            Apply(new JobRegistered { JobId = entry.JobId });
            if (entry.Final is { } final)
            {
                Apply(new JobEnded { JobId = entry.JobId, Final = final });
            }
        }
    }

    /// <summary>Records a job's id (idempotent: a registered id is answered at once, one being written waits for that write).</summary>
    private void Register(RegisterJob register)
    {
        if (_registering.TryGetValue(register.JobId, out var waiting))
        {
            waiting.Add(Sender);
            return;
        }

        if (_position.ContainsKey(register.JobId) && !(register.Reopen && _ended.ContainsKey(register.JobId)))
        {
            Sender.Tell(register);
            return;
        }

        // PersistAsync: the index goes on taking commands while a write is out, so the journal batches the writes of
        // many registrations (Persist wrote one row per round trip: 100 000 jobs took minutes).
        _registering[register.JobId] = [Sender];
        PersistAsync(new JobRegistered { JobId = register.JobId, Reopened = register.Reopen }, e =>
        {
            Apply(e);
            if (_registering.Remove(e.JobId, out var replyTo))
            {
                replyTo.ForEach(r => r.Tell(register));
            }

            SnapshotNow();
        });
    }

    private JobCounts Counts() => new()
    {
        Unfinished = _order.Count - _ended.Count,
        Completed = _endedByState[(int)JobState.Completed],
        Failed = _endedByState[(int)JobState.Failed],
        Cancelled = _endedByState[(int)JobState.Cancelled],
        Quarantined = _quarantined,
    };

    private JobListing One(string id)
    {
        var listing = new JobListing();
        if (_ended.TryGetValue(id, out var ended))
        {
            listing.Ended.Add(ended);
            listing.Order.Add(id);
        }
        else if (_position.ContainsKey(id))
        {
            listing.Unfinished.Add(id);
            listing.Order.Add(id);
        }

        return listing;
    }

    /// <summary>Up to <paramref name="limit"/> jobs (0: all) registered before <paramref name="after"/> (empty: the newest), newest first.</summary>
    private JobListing Page(int limit, string after)
    {
        var listing = new JobListing();
        var start = after.Length > 0 && _position.TryGetValue(after, out var position) ? position - 1 : _order.Count - 1;
        if (after.Length > 0 && !_position.ContainsKey(after))
        {
            return listing; // an unknown cursor: nothing follows it
        }

        for (var i = start; i >= 0; i--)
        {
            if (limit > 0 && listing.Order.Count == limit)
            {
                listing.Next = listing.Order[^1];
                break;
            }

            var id = _order[i];
            listing.Order.Add(id);
            if (_ended.TryGetValue(id, out var ended))
            {
                listing.Ended.Add(ended);
            }
            else
            {
                listing.Unfinished.Add(id);
            }
        }

        return listing;
    }

    private void SnapshotNow()
    {
        if (LastSequenceNr % SnapshotEvery == 0)
        {
            var snapshot = new JobIndexSnapshot();
            snapshot.Entries.AddRange(_order.Select(id => new JobIndexEntry { JobId = id, Final = _ended.GetValueOrDefault(id) }));
            SaveSnapshot(snapshot);
        }
    }

    private void Apply(JobRegistered e)
    {
        if (_ended.Remove(e.JobId, out var was))
        {
            Count(was, -1);
        }

        if (!_position.ContainsKey(e.JobId))
        {
            _position[e.JobId] = _order.Count;
            _order.Add(e.JobId);
        }
    }

    private void Apply(JobEnded e)
    {
        if (!_position.ContainsKey(e.JobId))
        {
            Apply(new JobRegistered { JobId = e.JobId });
        }

        if (_ended.TryGetValue(e.JobId, out var before))
        {
            Count(before, -1);
        }

        _ended[e.JobId] = e.Final;
        Count(e.Final, +1);
    }

    private void Count(JobProgress final, int by)
    {
        _endedByState[(int)final.State] += by;
        _quarantined += final.Quarantined ? by : 0;
    }
}
