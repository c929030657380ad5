using System.Data.Common;
using System.Globalization;
using Google.Protobuf;
using MediaCluster.Messages.Serialization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MediaCluster.Testing;

/// <summary>One row of a node's journal as Akka.Persistence.Sql stored it.</summary>
public sealed record JournalRow(string PersistenceId, long SequenceNr, string Manifest, int SerializerId, byte[] Payload)
{
    /// <summary>The payload decoded by the project's serializer (throws for a row it did not write).</summary>
    public IMessage Decode() => ProtobufSerializer.Decode(Payload, Manifest);
}

/// <summary>Reads a node's journal table directly (SQLite file or PostgreSQL), as an operator's tool would.</summary>
public static class JournalReader
{
    /// <summary>The rows of <paramref name="persistenceId"/> in the SQLite journal of a node's data directory, in order.</summary>
    public static Task<IReadOnlyList<JournalRow>> ReadSqliteAsync(string journalDirectory, string persistenceId)
    {
        var file = Path.Combine(journalDirectory, "journal.db");
        return ReadAsync(new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False"), persistenceId);
    }

    /// <summary>The rows of <paramref name="persistenceId"/> in a PostgreSQL journal, in order.</summary>
    public static Task<IReadOnlyList<JournalRow>> ReadPostgresAsync(string connectionString, string persistenceId) =>
        ReadAsync(new NpgsqlConnection(connectionString), persistenceId);

    /// <summary>
    /// The rows of a journal export (a text file: one row per line — persistence id, sequence number, serializer id,
    /// manifest and the payload in base64, tab-separated; lines starting with # are comments).
    /// </summary>
    public static IReadOnlyList<JournalRow> ReadExport(string file) => [.. File.ReadLines(file)
        .Where(line => line.Length > 0 && !line.StartsWith('#'))
        .Select(line => line.Split('\t'))
        .Select(f => new JournalRow(f[0], long.Parse(f[1], CultureInfo.InvariantCulture), f[3], int.Parse(f[2], CultureInfo.InvariantCulture), Convert.FromBase64String(f[4])))];

    /// <summary>
    /// Makes <paramref name="rows"/> the whole SQLite journal of a node's data directory (its tables made by a node before;
    /// whatever that node wrote itself — its sharding coordinator's rows — removed first).
    /// </summary>
    public static Task ReplaceSqliteAsync(string journalDirectory, IEnumerable<JournalRow> rows) =>
        ReplaceAsync(new SqliteConnection($"Data Source={Path.Combine(journalDirectory, "journal.db")};Pooling=False"), rows);

    /// <summary>Makes <paramref name="rows"/> the whole PostgreSQL journal (as <see cref="ReplaceSqliteAsync"/>).</summary>
    public static Task ReplacePostgresAsync(string connectionString, IEnumerable<JournalRow> rows) =>
        ReplaceAsync(new NpgsqlConnection(connectionString), rows);

    private static async Task ReplaceAsync(DbConnection connection, IEnumerable<JournalRow> rows)
    {
        await using (connection)
        {
            await connection.OpenAsync();
            foreach (var table in (string[])["tags", "snapshot", "journal"])
            {
                await using var clear = connection.CreateCommand();
                clear.CommandText = $"DELETE FROM {table}";
                await clear.ExecuteNonQueryAsync();
            }

            foreach (var row in rows)
            {
                await using var command = connection.CreateCommand();
                command.CommandText =
                    "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) " +
                    "VALUES (@created, @deleted, @id, @seq, @message, @manifest, @serializer, @writer)";
                Add(command, "@created", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 10_000);
                Add(command, "@deleted", false);
                Add(command, "@id", row.PersistenceId);
                Add(command, "@seq", row.SequenceNr);
                Add(command, "@message", row.Payload);
                Add(command, "@manifest", row.Manifest);
                Add(command, "@serializer", row.SerializerId);
                Add(command, "@writer", "journal-export");
                await command.ExecuteNonQueryAsync();
            }
        }

        static void Add(DbCommand command, string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    private static async Task<IReadOnlyList<JournalRow>> ReadAsync(DbConnection connection, string persistenceId)
    {
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText =
                "SELECT persistence_id, sequence_number, manifest, identifier, message FROM journal WHERE persistence_id = @id ORDER BY sequence_number";
            var id = command.CreateParameter();
            id.ParameterName = "@id";
            id.Value = persistenceId;
            command.Parameters.Add(id);
            var rows = new List<JournalRow>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(new JournalRow(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3), (byte[])reader[4]));
            }

            return rows;
        }
    }
}
