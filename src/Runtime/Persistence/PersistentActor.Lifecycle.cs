using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime.Persistence;

/// <summary>Recovery on start and restart, and flushing persisted events after each handler.</summary>
public abstract partial class PersistentActor
{
    internal override async ValueTask AroundPreStart()
    {
        PreStart();
        await RecoverAsync();
    }

    internal override async ValueTask AroundPostRestart(Exception reason)
    {
        PostRestart(reason);
        await RecoverAsync();
    }

    internal override ValueTask AroundReceive(object message)
    {
        var handled = base.AroundReceive(message);
        if (handled.IsCompletedSuccessfully && _pending.Count == 0)
        {
            return handled;
        }

        return new ValueTask(FlushAfter(handled));
    }

    private async Task FlushAfter(ValueTask handled)
    {
        await handled;
        while (_pending.Count > 0)
        {
            var batch = _pending.ToArray();
            _pending.Clear();
            var rows = new List<JournalRow>(batch.Length);
            for (var i = 0; i < batch.Length; i++)
            {
                rows.Add(Store.ToRow(PersistenceId, LastSequenceNr + 1 + i, batch[i].Event, batch[i].Tags));
            }

            try
            {
                await Store.Writer.WriteAsync(rows);
            }
            catch (Exception ex)
            {
                OnPersistFailure(ex, batch[0].Event, rows[0].SequenceNr);
                Context.Stop(Self);
                return;
            }

            LastSequenceNr += batch.Length;
            foreach (var pending in batch)
            {
                pending.Then(pending.Event);
            }
        }
    }

    private async Task RecoverAsync()
    {
        _recovering = true;
        var sequenceNr = 0L;
        try
        {
            var snapshot = await Store.Backend.LoadLatestSnapshotAsync(PersistenceId, CancellationToken.None);
            if (snapshot is not null)
            {
                var state = Store.Serializer.Deserialize(snapshot.Manifest, snapshot.Payload, PersistenceId, snapshot.SequenceNr, snapshot: true);
                if (!_snapshotRecovery.TryHandle(state, out _))
                {
                    throw new PersistenceRecoveryException(
                        $"{MessageSerializer.Where(PersistenceId, snapshot.SequenceNr, snapshot: true)}: no RecoverSnapshot handler accepts {state.Descriptor.FullName}.");
                }

                sequenceNr = snapshot.SequenceNr;
            }

            var replayed = 0L;
            await foreach (var stored in Store.Backend.ReadEventsAsync(PersistenceId, sequenceNr + 1, CancellationToken.None))
            {
                sequenceNr = stored.SequenceNr;
                var @event = Store.Serializer.Deserialize(stored.Manifest, stored.Payload, PersistenceId, stored.SequenceNr);
                if (!_recovery.TryHandle(@event, out _))
                {
                    throw new PersistenceRecoveryException(
                        $"{MessageSerializer.Where(PersistenceId, stored.SequenceNr)}: no Recover handler accepts {@event.Descriptor.FullName}.");
                }

                replayed++;
            }

            LastSequenceNr = Math.Max(sequenceNr, await Store.Backend.ReadHighestSequenceNrAsync(PersistenceId, CancellationToken.None));
            _recovering = false;
            Log.LogDebug("Recovered {PersistenceId}: {Count} events replayed, at sequence number {SequenceNr}", PersistenceId, replayed, LastSequenceNr);
            _recovery.TryHandle(RecoveryCompleted.Instance, out _);
        }
        catch (Exception ex)
        {
            _recovering = false;
            var cause = ex is PersistenceRecoveryException
                ? ex
                : new PersistenceRecoveryException($"Recovery of '{PersistenceId}' failed after sequence number {sequenceNr}: {ex.Message}", ex);
            OnRecoveryFailure(cause);
            Context.Stop(Self);
        }
    }
}
