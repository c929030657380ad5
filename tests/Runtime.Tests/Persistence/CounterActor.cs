using MediaCluster.Runtime;
using MediaCluster.Runtime.Persistence;
using MediaCluster.Runtime.Tests.Protos;

namespace MediaCluster.Runtime.Tests.Persistence;

internal sealed record Add(long Value);

internal sealed record Recovered(long Total, int EventsReplayed, bool FromSnapshot, long LastSequenceNr);

internal sealed record RecoveryFailed(string Reason);

/// <summary>A persistent counter that reports its recovery and results to a probe.</summary>
internal sealed class CounterActor : PersistentActor
{
    private readonly string _persistenceId;
    private long _total;
    private int _replayed;
    private bool _fromSnapshot;

    public CounterActor(string persistenceId, IActorRef probe)
    {
        _persistenceId = persistenceId;
        RecoverSnapshot<CounterSnapshot>(s =>
        {
            _total = s.Total;
            _fromSnapshot = true;
        });
        Recover<ValueAdded>(e =>
        {
            _total += e.Value;
            _replayed++;
        });
        Recover<RecoveryCompleted>(_ => probe.Tell(new Recovered(_total, _replayed, _fromSnapshot, LastSequenceNr)));

        Receive<Add>(a => Persist(new ValueAdded { Value = a.Value }, e => _total += e.Value));
        Receive<long[]>(values => PersistAll(values.Select(v => new ValueAdded { Value = v }), e => _total += e.Value));
        Receive<string>(_ => Sender.Tell(_total), m => m == "total");
        Receive<string>(_ => Sender.Tell(LastSequenceNr), m => m == "seq");
        Receive<string>(_ => SaveSnapshot(new CounterSnapshot { Total = _total }), m => m == "snapshot");
        Receive<string>(m => DeleteMessagesTo(long.Parse(m["delete ".Length..])), m => m.StartsWith("delete ", StringComparison.Ordinal));
        Receive<SaveSnapshotSuccess>(s => probe.Tell(s));
        Receive<DeleteMessagesSuccess>(d => probe.Tell(d));
        OnRecoveryFailed = cause => probe.Tell(new RecoveryFailed(cause.Message));
    }

    public override string PersistenceId => _persistenceId;

    private Action<Exception> OnRecoveryFailed { get; }

    protected override void OnRecoveryFailure(Exception cause)
    {
        base.OnRecoveryFailure(cause);
        OnRecoveryFailed(cause);
    }
}
