namespace MediaCluster.Runtime.Persistence;

/// <summary>Recovery could not rebuild the actor's state; names the persistence id and sequence number.</summary>
public sealed class PersistenceRecoveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A write hit the (persistence_id, sequence_number) uniqueness constraint: another writer already holds
/// that sequence number, so this writer is stale and must stop rather than fork the history.
/// </summary>
public sealed class PersistenceConflictException(string persistenceId, long fromSequenceNr, long toSequenceNr)
    : Exception($"Persistence id '{persistenceId}': sequence number(s) {fromSequenceNr}..{toSequenceNr} are already in the journal; another writer got there first.")
{
    /// <summary>The contested persistence id.</summary>
    public string PersistenceId { get; } = persistenceId;
}

/// <summary>A backend reported a uniqueness violation for a batch (which request caused it is found by retrying singly).</summary>
internal sealed class JournalUniqueViolationException(Exception inner) : Exception("unique violation", inner);
