namespace MediaCluster.Runtime.Persistence;

/// <summary>One journal row as written.</summary>
internal sealed record JournalRow(string PersistenceId, long SequenceNr, string Manifest, byte[] Payload, string? Tags);

/// <summary>One journal row as read back.</summary>
internal readonly record struct StoredEvent(long SequenceNr, string Manifest, byte[] Payload, long CreatedMs, string WriterId);

/// <summary>A snapshot row.</summary>
internal sealed record SnapshotRow(string PersistenceId, long SequenceNr, string Manifest, byte[] Payload);
