using System.Data.Common;
using MediaCluster.Messages.Jobs;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MediaCluster.Actors.Training;

/// <summary>One registered model version (the artifact itself is read with <see cref="ModelRegistry.ArtifactAsync"/>).</summary>
public sealed record ModelVersion(
    string Task,
    int Version,
    string DatasetHash,
    string Config,
    string Metrics,
    string ArtifactPath,
    DateTimeOffset Created,
    ModelStatus Status,
    string Reason);

/// <summary>A task a user defined: its name, kind (image, text), labels, the side of its pictures (image) and its training config (JSON).</summary>
public sealed record TaskDefinition(string Name, string Kind, IReadOnlyList<string> Labels, int Size, string Config, DateTimeOffset Created);

/// <summary>
/// The model registry in the cluster's database: PostgreSQL when the node has a journal connection string (every node
/// of the cluster sees the same registry), else SQLite in the data directory (the embedded node). A version's model
/// file is kept in the row as well as at its artifact path, so a classifier on any node loads it from the database.
/// </summary>
public sealed class ModelRegistry
{
    private readonly Func<DbConnection> _connect;
    private readonly bool _postgres;
    private readonly SemaphoreSlim _initialized = new(1, 1);
    private bool _ready;

    private ModelRegistry(Func<DbConnection> connect, bool postgres)
    {
        _connect = connect;
        _postgres = postgres;
    }

    /// <summary>The registry of a node: PostgreSQL at <paramref name="postgres"/> if given, else SQLite at <c>DATA/models/registry.db</c>.</summary>
    public static ModelRegistry For(string dataDirectory, string? postgres)
    {
        if (postgres is { Length: > 0 })
        {
            return new ModelRegistry(() => new NpgsqlConnection(postgres), postgres: true);
        }

        var folder = Path.Combine(Path.GetFullPath(dataDirectory), "models");
        Directory.CreateDirectory(folder);
        var connection = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "registry.db"), Pooling = false }.ToString();
        return new ModelRegistry(() => new SqliteConnection(connection), postgres: false);
    }

    /// <summary>Registers a new version of <paramref name="task"/> as a candidate; returns its number (one more than the last).</summary>
    public async Task<int> RegisterAsync(string task, string datasetHash, string config, string metrics, string artifactPath, byte[] artifact, DateTimeOffset created)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var next = Convert.ToInt32(await ScalarAsync(connection, transaction, "SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE task = @task", ("task", task)).ConfigureAwait(false));
        await ExecuteAsync(
            connection,
            transaction,
            "INSERT INTO model_versions (task, version, dataset_hash, config, metrics, artifact_path, artifact, created_unix_ms, status, reason) " +
            "VALUES (@task, @version, @hash, @config, @metrics, @path, @artifact, @created, @status, '')",
            ("task", task), ("version", next), ("hash", datasetHash), ("config", config), ("metrics", metrics), ("path", artifactPath),
            ("artifact", artifact), ("created", created.ToUnixTimeMilliseconds()), ("status", ModelStatus.Candidate.Text())).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return next;
    }

    /// <summary>Makes <paramref name="version"/> the promoted one of its task (the one before is retired); false if there is no such version.</summary>
    public async Task<bool> PromoteAsync(string task, int version, string reason)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        if (Convert.ToInt32(await ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM model_versions WHERE task = @task AND version = @version", ("task", task), ("version", version)).ConfigureAwait(false)) == 0)
        {
            return false;
        }

        await ExecuteAsync(connection, transaction,
            "UPDATE model_versions SET status = @retired, reason = @why WHERE task = @task AND status = @promoted AND version <> @version",
            ("retired", ModelStatus.Retired.Text()), ("why", $"v{version} was promoted"), ("task", task), ("promoted", ModelStatus.Promoted.Text()), ("version", version)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            "UPDATE model_versions SET status = @promoted, reason = @why WHERE task = @task AND version = @version",
            ("promoted", ModelStatus.Promoted.Text()), ("why", reason), ("task", task), ("version", version)).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>Marks a candidate rejected, saying why.</summary>
    public async Task RejectAsync(string task, int version, string reason)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await ExecuteAsync(connection, null, "UPDATE model_versions SET status = @rejected, reason = @why WHERE task = @task AND version = @version",
            ("rejected", ModelStatus.Rejected.Text()), ("why", reason), ("task", task), ("version", version)).ConfigureAwait(false);
    }

    /// <summary>The promoted version of <paramref name="task"/>, if any.</summary>
    public async Task<ModelVersion?> PromotedAsync(string task) =>
        (await QueryAsync("WHERE task = @task AND status = @promoted", ("task", task), ("promoted", ModelStatus.Promoted.Text())).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>One version, if registered.</summary>
    public async Task<ModelVersion?> FindAsync(string task, int version) =>
        (await QueryAsync("WHERE task = @task AND version = @version", ("task", task), ("version", version)).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Every version (of <paramref name="task"/>, if given), by task and version.</summary>
    public Task<IReadOnlyList<ModelVersion>> ListAsync(string? task = null) =>
        task is null ? QueryAsync(string.Empty) : QueryAsync("WHERE task = @task", ("task", task));

    /// <summary>Records a task a user defined; false when one of that name exists already.</summary>
    public async Task<bool> DefineTaskAsync(TaskDefinition task)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        if (Convert.ToInt32(await ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM model_tasks WHERE name = @name", ("name", task.Name)).ConfigureAwait(false)) > 0)
        {
            return false;
        }

        await ExecuteAsync(connection, transaction,
            "INSERT INTO model_tasks (name, kind, labels, size, config, created_unix_ms) VALUES (@name, @kind, @labels, @size, @config, @created)",
            ("name", task.Name), ("kind", task.Kind), ("labels", System.Text.Json.JsonSerializer.Serialize(task.Labels)), ("size", task.Size),
            ("config", task.Config), ("created", task.Created.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        await transaction.CommitAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>The tasks users defined (of that name, if given), by name.</summary>
    public async Task<IReadOnlyList<TaskDefinition>> TasksAsync(string? name = null)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = Command(connection, null,
            "SELECT name, kind, labels, size, config, created_unix_ms FROM model_tasks" + (name is null ? string.Empty : " WHERE name = @name") + " ORDER BY name",
            name is null ? [] : [("name", name)]);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var tasks = new List<TaskDefinition>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            tasks.Add(new TaskDefinition(
                reader.GetString(0), reader.GetString(1), System.Text.Json.JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [], reader.GetInt32(3),
                reader.GetString(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        }

        return tasks;
    }

    /// <summary>The model file of a version.</summary>
    public async Task<byte[]> ArtifactAsync(string task, int version)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        return await ScalarAsync(connection, null, "SELECT artifact FROM model_versions WHERE task = @task AND version = @version", ("task", task), ("version", version)).ConfigureAwait(false) as byte[]
            ?? throw new KeyNotFoundException($"the registry has no {task} v{version}");
    }

    private async Task<IReadOnlyList<ModelVersion>> QueryAsync(string where, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = Command(connection, null,
            $"SELECT task, version, dataset_hash, config, metrics, artifact_path, created_unix_ms, status, reason FROM model_versions {where} ORDER BY task, version", parameters);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var versions = new List<ModelVersion>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            versions.Add(new ModelVersion(
                reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                ModelStatusText.Parse(reader.GetString(7)) ?? throw new InvalidDataException($"the registry's {reader.GetString(0)} v{reader.GetInt32(1)} has the status '{reader.GetString(7)}', which this release does not know"),
                reader.GetString(8)));
        }

        return versions;
    }

    private async Task<DbConnection> OpenAsync()
    {
        var connection = _connect();
        await connection.OpenAsync().ConfigureAwait(false);
        if (!_ready)
        {
            await _initialized.WaitAsync().ConfigureAwait(false);
            try
            {
                if (!_ready)
                {
                    var blob = _postgres ? "BYTEA" : "BLOB";
                    await ExecuteAsync(connection, null,
                        "CREATE TABLE IF NOT EXISTS model_versions (task TEXT NOT NULL, version INTEGER NOT NULL, dataset_hash TEXT NOT NULL, " +
                        $"config TEXT NOT NULL, metrics TEXT NOT NULL, artifact_path TEXT NOT NULL, artifact {blob} NOT NULL, created_unix_ms BIGINT NOT NULL, " +
                        "status TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (task, version))").ConfigureAwait(false);
                    await ExecuteAsync(connection, null,
                        "CREATE TABLE IF NOT EXISTS model_tasks (name TEXT PRIMARY KEY, kind TEXT NOT NULL, labels TEXT NOT NULL, size INTEGER NOT NULL, " +
                        "config TEXT NOT NULL, created_unix_ms BIGINT NOT NULL)").ConfigureAwait(false);
                    _ready = true;
                }
            }
            finally
            {
                _initialized.Release();
            }
        }

        return connection;
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync().ConfigureAwait(false);
    }
}
