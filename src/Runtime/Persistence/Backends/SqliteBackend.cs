using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace MediaCluster.Runtime.Persistence;

/// <summary>
/// The embedded back-end: one SQLite file in WAL mode. Writes go through one dedicated connection (the
/// group-commit writer is single-threaded); reads open pooled connections that WAL lets run alongside.
/// </summary>
internal sealed class SqliteBackend(string databasePath) : JournalBackend
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS journal (
            ordering        INTEGER PRIMARY KEY AUTOINCREMENT,
            persistence_id  TEXT    NOT NULL,
            sequence_number INTEGER NOT NULL,
            created         INTEGER NOT NULL,
            tags            TEXT    NULL,
            manifest        TEXT    NOT NULL,
            payload         BLOB    NOT NULL,
            writer_id       TEXT    NOT NULL,
            deleted         INTEGER NOT NULL DEFAULT 0,
            UNIQUE (persistence_id, sequence_number)
        );
        CREATE TABLE IF NOT EXISTS snapshot (
            persistence_id  TEXT    NOT NULL,
            sequence_number INTEGER NOT NULL,
            created         INTEGER NOT NULL,
            manifest        TEXT    NOT NULL,
            payload         BLOB    NOT NULL,
            PRIMARY KEY (persistence_id, sequence_number)
        );
        """;

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private SqliteConnection? _writer;

    public override int DefaultWriterConcurrency => 1;

    public override string Name => $"SQLite ({databasePath})";

    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        _writer = new SqliteConnection(_connectionString);
        await _writer.OpenAsync(cancellationToken);
        await ExecuteAsync(_writer, Schema + "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;", cancellationToken);
    }

    public override async Task WriteAsync(IReadOnlyList<JournalRow> rows, string writerId, CancellationToken cancellationToken)
    {
        var connection = _writer ?? throw new InvalidOperationException("The SQLite journal is not initialized.");
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO journal (persistence_id, sequence_number, created, tags, manifest, payload, writer_id)
            VALUES ($pid, $seq, $created, $tags, $manifest, $payload, $writer)
            """;
        var pid = insert.Parameters.Add("$pid", SqliteType.Text);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var created = insert.Parameters.Add("$created", SqliteType.Integer);
        var tags = insert.Parameters.Add("$tags", SqliteType.Text);
        var manifest = insert.Parameters.Add("$manifest", SqliteType.Text);
        var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
        insert.Parameters.AddWithValue("$writer", writerId);
        created.Value = NowMs();
        try
        {
            foreach (var row in rows)
            {
                pid.Value = row.PersistenceId;
                seq.Value = row.SequenceNr;
                tags.Value = (object?)row.Tags ?? DBNull.Value;
                manifest.Value = row.Manifest;
                payload.Value = row.Payload;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            throw new JournalUniqueViolationException(ex);
        }
    }

    public override async IAsyncEnumerable<StoredEvent> ReadEventsAsync(
        string persistenceId, long fromSequenceNr, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT sequence_number, manifest, payload, created, writer_id FROM journal
            WHERE persistence_id = $pid AND sequence_number >= $from AND deleted = 0
            ORDER BY sequence_number
            """;
        query.Parameters.AddWithValue("$pid", persistenceId);
        query.Parameters.AddWithValue("$from", fromSequenceNr);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new StoredEvent(reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2), reader.GetInt64(3), reader.GetString(4));
        }
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = "SELECT COALESCE(MAX(sequence_number), 0) FROM journal WHERE persistence_id = $pid";
        query.Parameters.AddWithValue("$pid", persistenceId);
        return (long)(await query.ExecuteScalarAsync(cancellationToken))!;
    }

    public override async Task DeleteEventsToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        var connection = _writer ?? throw new InvalidOperationException("The SQLite journal is not initialized.");
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = """
            DELETE FROM journal WHERE persistence_id = $pid AND sequence_number <= $to
              AND sequence_number < (SELECT MAX(sequence_number) FROM journal WHERE persistence_id = $pid);
            UPDATE journal SET deleted = 1 WHERE persistence_id = $pid AND sequence_number <= $to;
            """;
        delete.Parameters.AddWithValue("$pid", persistenceId);
        delete.Parameters.AddWithValue("$to", toSequenceNr);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public override async Task SaveSnapshotAsync(SnapshotRow snapshot, CancellationToken cancellationToken)
    {
        var connection = _writer ?? throw new InvalidOperationException("The SQLite journal is not initialized.");
        await using var upsert = connection.CreateCommand();
        upsert.CommandText = """
            INSERT INTO snapshot (persistence_id, sequence_number, created, manifest, payload)
            VALUES ($pid, $seq, $created, $manifest, $payload)
            ON CONFLICT (persistence_id, sequence_number) DO UPDATE
              SET created = excluded.created, manifest = excluded.manifest, payload = excluded.payload
            """;
        upsert.Parameters.AddWithValue("$pid", snapshot.PersistenceId);
        upsert.Parameters.AddWithValue("$seq", snapshot.SequenceNr);
        upsert.Parameters.AddWithValue("$created", NowMs());
        upsert.Parameters.AddWithValue("$manifest", snapshot.Manifest);
        upsert.Parameters.AddWithValue("$payload", snapshot.Payload);
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<SnapshotRow?> LoadLatestSnapshotAsync(string persistenceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT sequence_number, manifest, payload FROM snapshot
            WHERE persistence_id = $pid ORDER BY sequence_number DESC LIMIT 1
            """;
        query.Parameters.AddWithValue("$pid", persistenceId);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new SnapshotRow(persistenceId, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2))
            : null;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }

        SqliteConnection.ClearAllPools();
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
