namespace MediaCluster.Runtime.Persistence;

/// <summary>
/// What a database must offer the event store. Writes come from the single group-commit writer; reads may
/// come from any thread. A uniqueness violation is reported as <see cref="JournalUniqueViolationException"/>.
/// </summary>
internal abstract class JournalBackend : IAsyncDisposable
{
    public abstract string Name { get; }

    /// <summary>How many write transactions may overlap when the options do not say.</summary>
    public abstract int DefaultWriterConcurrency { get; }

    public abstract Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Writes every row in one transaction: all or nothing.</summary>
    public abstract Task WriteAsync(IReadOnlyList<JournalRow> rows, string writerId, CancellationToken cancellationToken);

    /// <summary>Streams the live (not deleted) events of one id in sequence order.</summary>
    public abstract IAsyncEnumerable<StoredEvent> ReadEventsAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken);

    /// <summary>The highest sequence number ever written for the id, deleted rows included; 0 if none.</summary>
    public abstract Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken);

    /// <summary>Deletes events up to <paramref name="toSequenceNr"/>, keeping the highest row (flagged) so its number stays taken.</summary>
    public abstract Task DeleteEventsToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken);

    public abstract Task SaveSnapshotAsync(SnapshotRow snapshot, CancellationToken cancellationToken);

    public abstract Task<SnapshotRow?> LoadLatestSnapshotAsync(string persistenceId, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    protected static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
