namespace MediaCluster.Runtime.Persistence;

/// <summary>Passed to recovery handlers once every event has been replayed.</summary>
public sealed record RecoveryCompleted
{
    private RecoveryCompleted()
    {
    }

    /// <summary>The single instance.</summary>
    public static RecoveryCompleted Instance { get; } = new();
}

/// <summary>Sent to the actor when its snapshot at <paramref name="SequenceNr"/> is stored.</summary>
public sealed record SaveSnapshotSuccess(long SequenceNr);

/// <summary>Sent to the actor when storing its snapshot failed.</summary>
public sealed record SaveSnapshotFailure(long SequenceNr, Exception Cause);

/// <summary>Sent to the actor when its events up to <paramref name="ToSequenceNr"/> are deleted.</summary>
public sealed record DeleteMessagesSuccess(long ToSequenceNr);

/// <summary>Sent to the actor when deleting its events failed.</summary>
public sealed record DeleteMessagesFailure(long ToSequenceNr, Exception Cause);

/// <summary>An event as read back from the journal.</summary>
public sealed record PersistedEvent(string PersistenceId, long SequenceNr, Google.Protobuf.IMessage Payload, DateTimeOffset Created, string WriterId);
