using System.Data.Common;
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
