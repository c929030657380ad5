using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace MediaCluster.Runtime.Persistence;

/// <summary>
/// The cluster back-end: PostgreSQL through one <see cref="NpgsqlDataSource"/>. A batch is one transaction
/// and one round trip (<see cref="NpgsqlBatch"/>); recovery streams rows with a server-side cursor.
/// </summary>
internal sealed class PostgresBackend(string connectionString) : JournalBackend
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS journal (
            ordering        BIGSERIAL PRIMARY KEY,
            persistence_id  TEXT      NOT NULL,
            sequence_number BIGINT    NOT NULL,
            created         BIGINT    NOT NULL,
            tags            TEXT      NULL,
            manifest        TEXT      NOT NULL,
            payload         BYTEA     NOT NULL,
            writer_id       TEXT      NOT NULL,
            deleted         BOOLEAN   NOT NULL DEFAULT FALSE,
            UNIQUE (persistence_id, sequence_number)
        );
        CREATE TABLE IF NOT EXISTS snapshot (
            persistence_id  TEXT      NOT NULL,
            sequence_number BIGINT    NOT NULL,
            created         BIGINT    NOT NULL,
            manifest        TEXT      NOT NULL,
            payload         BYTEA     NOT NULL,
            PRIMARY KEY (persistence_id, sequence_number)
        );
        """;

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override int DefaultWriterConcurrency => 4;

    public override string Name => "PostgreSQL";

    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(774411); " + Schema, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public override async Task WriteAsync(IReadOnlyList<JournalRow> rows, string writerId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = NowMs();
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var row in rows)
        {
            var command = new NpgsqlBatchCommand("""
                INSERT INTO journal (persistence_id, sequence_number, created, tags, manifest, payload, writer_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.PersistenceId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = row.SequenceNr });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = created });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)row.Tags ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = row.Manifest });
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = row.Payload });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writerId });
            batch.BatchCommands.Add(command);
        }

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new JournalUniqueViolationException(ex);
        }
    }

    public override async IAsyncEnumerable<StoredEvent> ReadEventsAsync(
        string persistenceId, long fromSequenceNr, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT sequence_number, manifest, payload, created, writer_id FROM journal
            WHERE persistence_id = $1 AND sequence_number >= $2 AND NOT deleted
            ORDER BY sequence_number
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = fromSequenceNr });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new StoredEvent(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetInt64(3), reader.GetString(4));
        }
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT COALESCE(MAX(sequence_number), 0) FROM journal WHERE persistence_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public override async Task DeleteEventsToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command("""
                    DELETE FROM journal WHERE persistence_id = $1 AND sequence_number <= $2
                      AND sequence_number < (SELECT MAX(sequence_number) FROM journal WHERE persistence_id = $1)
                    """, persistenceId, toSequenceNr),
                Command("UPDATE journal SET deleted = TRUE WHERE persistence_id = $1 AND sequence_number <= $2", persistenceId, toSequenceNr),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public override async Task SaveSnapshotAsync(SnapshotRow snapshot, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO snapshot (persistence_id, sequence_number, created, manifest, payload) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (persistence_id, sequence_number) DO UPDATE
              SET created = EXCLUDED.created, manifest = EXCLUDED.manifest, payload = EXCLUDED.payload
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.PersistenceId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = snapshot.SequenceNr });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = NowMs() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = snapshot.Manifest });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = snapshot.Payload });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async Task<SnapshotRow?> LoadLatestSnapshotAsync(string persistenceId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT sequence_number, manifest, payload FROM snapshot
            WHERE persistence_id = $1 ORDER BY sequence_number DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = persistenceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new SnapshotRow(persistenceId, reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2))
            : null;
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static NpgsqlBatchCommand Command(string sql, string persistenceId, long sequenceNr) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter<string> { TypedValue = persistenceId },
            new NpgsqlParameter<long> { TypedValue = sequenceNr },
        },
    };
}
