namespace MediaCluster.Runtime.Persistence;

/// <summary>Where events and snapshots are kept; bind from configuration section "Persistence".</summary>
public sealed class PersistenceOptions
{
    /// <summary>"sqlite" (embedded default: one file in <see cref="DataDirectory"/>) or "postgres" (cluster).</summary>
    public string Backend { get; set; } = "sqlite";

    /// <summary>Folder of the SQLite file <c>journal.db</c>.</summary>
    public string DataDirectory { get; set; } = ".data";

    /// <summary>Npgsql connection string when <see cref="Backend"/> is "postgres".</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Recorded with every event: which process wrote it.</summary>
    public string WriterId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Write transactions in flight at once; null means 1 for SQLite (one writer) and 4 for PostgreSQL.</summary>
    public int? WriterConcurrency { get; set; }

    /// <summary>Most events written in one group-commit transaction.</summary>
    public int MaxBatchSize { get; set; } = 2000;
}
