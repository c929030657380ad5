using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime.Persistence;

/// <summary>
/// An event-sourced actor. On start it replays its latest snapshot and then its events through the
/// <c>Recover</c> handlers; commands are handled by <c>Receive</c> handlers, which record state changes
/// with <see cref="Persist{T}(T, Action{T})"/>. While a persist is in flight the mailbox waits, so
/// commands never see half-applied state (Akka's <c>Persist</c> semantics).
/// </summary>
public abstract partial class PersistentActor : ActorBase
{
    private readonly Behavior _recovery = new();
    private readonly Behavior _snapshotRecovery = new();
    private readonly List<PendingEvent> _pending = [];
    private EventStore? _store;
    private bool _recovering;

    /// <summary>The id of this actor's event stream; stable across restarts and nodes.</summary>
    public abstract string PersistenceId { get; }

    /// <summary>The sequence number of the last event persisted or replayed.</summary>
    public long LastSequenceNr { get; private set; }

    /// <summary>True while events are being replayed.</summary>
    protected bool IsRecovering => _recovering;

    private EventStore Store => _store ??= Context.System.GetExtension<EventStore>();

    /// <summary>Applies a replayed event (or <see cref="RecoveryCompleted"/>) of type <typeparamref name="T"/>.</summary>
    protected void Recover<T>(Action<T> handler) => _recovery.Add(new SyncHandler<T>(handler, null));

    /// <summary>Restores state from a snapshot of type <typeparamref name="T"/> offered before the newer events.</summary>
    protected void RecoverSnapshot<T>(Action<T> handler) where T : IMessage => _snapshotRecovery.Add(new SyncHandler<T>(handler, null));

    /// <summary>Stores <paramref name="event"/>, then runs <paramref name="then"/>; no other message runs in between.</summary>
    protected void Persist<T>(T @event, Action<T> then) where T : IMessage => Persist(@event, null, then);

    /// <summary>Stores <paramref name="event"/> with tags (comma-separated in the journal), then runs <paramref name="then"/>.</summary>
    protected void Persist<T>(T @event, IReadOnlyCollection<string>? tags, Action<T> then) where T : IMessage
    {
        if (_recovering)
        {
            throw new InvalidOperationException($"'{PersistenceId}' cannot persist while recovering.");
        }

        _pending.Add(new PendingEvent(@event, tags is { Count: > 0 } ? string.Join(',', tags) : null, e => then((T)e)));
    }

    /// <summary>Stores all <paramref name="events"/> atomically, then runs <paramref name="then"/> for each in order.</summary>
    protected void PersistAll<T>(IEnumerable<T> events, Action<T> then) where T : IMessage
    {
        foreach (var @event in events)
        {
            Persist(@event, null, then);
        }
    }

    /// <summary>Stores a snapshot at <see cref="LastSequenceNr"/>; <see cref="SaveSnapshotSuccess"/> or a failure follows.</summary>
    protected void SaveSnapshot(IMessage snapshot)
    {
        var sequenceNr = LastSequenceNr;
        var (manifest, payload) = Store.Serializer.Serialize(snapshot);
        var row = new SnapshotRow(PersistenceId, sequenceNr, manifest, payload);
        var self = Self;
        var backend = Store.Backend;
        Store.Writer.RunAsync(ct => backend.SaveSnapshotAsync(row, ct)).ContinueWith(
            t => self.Tell(t.IsCompletedSuccessfully ? new SaveSnapshotSuccess(sequenceNr) : new SaveSnapshotFailure(sequenceNr, t.Exception!.GetBaseException())),
            TaskScheduler.Default);
    }

    /// <summary>Deletes events up to <paramref name="toSequenceNr"/> (their numbers stay taken); a result message follows.</summary>
    protected void DeleteMessagesTo(long toSequenceNr)
    {
        var self = Self;
        var id = PersistenceId;
        var backend = Store.Backend;
        Store.Writer.RunAsync(ct => backend.DeleteEventsToAsync(id, toSequenceNr, ct)).ContinueWith(
            t => self.Tell(t.IsCompletedSuccessfully ? new DeleteMessagesSuccess(toSequenceNr) : new DeleteMessagesFailure(toSequenceNr, t.Exception!.GetBaseException())),
            TaskScheduler.Default);
    }

    /// <summary>Called when recovery fails; the actor then stops. By default logs the error.</summary>
    protected virtual void OnRecoveryFailure(Exception cause) =>
        Log.LogError(cause, "Recovery of {PersistenceId} ({Path}) failed; stopping: {Reason}", PersistenceId, Self.Path, cause.Message);

    /// <summary>Called when a write fails; the actor then stops. By default logs the error.</summary>
    protected virtual void OnPersistFailure(Exception cause, IMessage @event, long sequenceNr)
    {
        if (cause is PersistenceConflictException)
        {
            Log.LogError(
                "Stopping {Path}: {Reason} This instance is stale; stopping it keeps the history of '{PersistenceId}' from forking.",
                Self.Path, cause.Message, PersistenceId);
        }
        else
        {
            Log.LogError(cause, "Persisting {Event} #{SequenceNr} of {PersistenceId} failed; stopping", @event.Descriptor.Name, sequenceNr, PersistenceId);
        }
    }

    private sealed record PendingEvent(IMessage Event, string? Tags, Action<object> Then);
}
