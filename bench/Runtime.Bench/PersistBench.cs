using System.Diagnostics;
using MediaCluster.Runtime.Bench.Protos;
using MediaCluster.Runtime.Persistence;
using MediaCluster.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;
using Microsoft.Extensions.Logging;
using Google.Protobuf;

namespace MediaCluster.Runtime.Bench;

/// <summary>
/// Journal throughput: 100 actors each persisting 1,000 events one at a time (each awaited before the
/// next), on SQLite and on a private, durable PostgreSQL; and recovery of one actor with 100,000 events.
/// Baselines in the same run: naive one-row-per-transaction inserts, and a raw SELECT of the same rows.
/// </summary>
internal static class PersistBench
{
    private const int Actors = 100;
    private const int EventsPerActor = 1000;
    private const int RecoveryEvents = 100_000;

    public static async Task RunAsync(Report report, bool persist = true, bool recover = true)
    {
        var directory = Directory.CreateTempSubdirectory("mc-bench-sqlite-");
        try
        {
            if (persist)
            {
                await using var sqlite = await OpenAsync(new PersistenceOptions { Backend = "sqlite", DataDirectory = directory.FullName });
                var rate = await PersistManyAsync(sqlite, "sqlite");
                report.Figure("persist_sqlite_events_per_s", rate);
                var baseline = await NaiveSqliteInsertsAsync(Path.Combine(directory.FullName, "journal.db"), 5_000);
                report.Figure("baseline_sqlite_row_per_commit_events_per_s", baseline);
                report.Figure("persist_sqlite_vs_baseline_ratio", rate / baseline);
            }

            report.Note("starting a private PostgreSQL server (fsync on)");
            await using var server = await PostgresServer.StartAsync(durable: true);
            await using var postgres = await OpenAsync(new PersistenceOptions { Backend = "postgres", ConnectionString = server.ConnectionString });
            if (persist)
            {
                var rate = await PersistManyAsync(postgres, "postgres");
                report.Figure("persist_postgres_events_per_s", rate);
                var baseline = await NaivePostgresInsertsAsync(server.ConnectionString, Actors, 50);
                report.Figure("baseline_postgres_row_per_commit_events_per_s", baseline);
                report.Figure("persist_postgres_vs_baseline_ratio", rate / baseline);
            }

            if (recover)
            {
                var id = "recover-" + Guid.NewGuid().ToString("N")[..8];
                await FillAsync(postgres, id, RecoveryEvents);
                var warmup = id + "-warmup";
                await FillAsync(postgres, warmup, 2000);
                await RecoverAsync(postgres, warmup, 2000);
                var rate = await RecoverAsync(postgres, id, RecoveryEvents);
                report.Figure("recover_postgres_events_per_s", rate);
                var raw = await RawSelectAsync(server.ConnectionString, id, RecoveryEvents);
                report.Figure("baseline_postgres_raw_select_rows_per_s", raw);
                report.Figure("recover_postgres_vs_raw_select_ratio", rate / raw);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static ILoggerFactory Logging { get; } =
        LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

    private static async Task<EventStore> OpenAsync(PersistenceOptions options)
    {
        var store = await EventStore.OpenAsync(options, new MessageSerializer().Register(BenchEventsReflection.Descriptor), Logging);
        return store;
    }

    private static async Task<double> PersistManyAsync(EventStore store, string label)
    {
        await using var system = ActorSystem.Create("persist-" + label, loggerFactory: Logging).UseEventStore(store);
        var recovered = new CountdownEvent(Actors);
        var done = new CountdownEvent(Actors);
        var actors = Enumerable.Range(0, Actors)
            .Select(i => system.ActorOf(Props.Create(() => new Recorder($"{label}-{Guid.NewGuid():N}", EventsPerActor, recovered, done))))
            .ToList();
        await WaitAsync(recovered, "recovery");
        var transactions = store.WriteTransactions;
        var watch = Stopwatch.StartNew();
        actors.ForEach(a => a.Tell(Go.Instance));
        await WaitAsync(done, "persisting");
        watch.Stop();
        var events = Actors * EventsPerActor;
        Console.Error.WriteLine($"# {label}: {events:N0} events in {watch.Elapsed.TotalSeconds:0.00} s, {store.WriteTransactions - transactions:N0} transactions");
        return events / watch.Elapsed.TotalSeconds;
    }

    private static async Task FillAsync(EventStore store, string id, int count)
    {
        var serializer = store.Serializer;
        for (var start = 1; start <= count; start += 1000)
        {
            var rows = Enumerable.Range(start, Math.Min(1000, count - start + 1))
                .Select(i => store.ToRow(id, i, new Recorded { Index = i, Note = "recovery benchmark event" }, null))
                .ToList();
            await store.Writer.WriteAsync(rows);
        }

        GC.KeepAlive(serializer);
    }

    private static async Task<double> RecoverAsync(EventStore store, string id, int expected)
    {
        await using var system = ActorSystem.Create("recover", loggerFactory: Logging).UseEventStore(store);
        var recovered = new CountdownEvent(1);
        var counts = new long[1];
        var watch = Stopwatch.StartNew();
        system.ActorOf(Props.Create(() => new Recorder(id, 0, recovered, new CountdownEvent(0), counts)));
        await WaitAsync(recovered, "recovery");
        watch.Stop();
        if (counts[0] != expected)
        {
            throw new InvalidOperationException($"recovered {counts[0]} events, expected {expected}");
        }

        return expected / watch.Elapsed.TotalSeconds;
    }

    private static async Task WaitAsync(CountdownEvent countdown, string what)
    {
        if (!await Task.Run(() => countdown.Wait(TimeSpan.FromMinutes(5))))
        {
            throw new TimeoutException($"{what} did not finish within 5 minutes ({countdown.CurrentCount} actors still pending); see the log");
        }
    }

    private static async Task<double> NaiveSqliteInsertsAsync(string path, int count)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = NORMAL; CREATE TABLE IF NOT EXISTS naive (pid TEXT, seq INTEGER, payload BLOB, UNIQUE (pid, seq));";
            await pragma.ExecuteNonQueryAsync();
        }

        var payload = new Recorded { Index = 1, Note = "x" }.ToByteArray();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO naive VALUES ($p, $s, $b)";
            insert.Parameters.AddWithValue("$p", "naive");
            insert.Parameters.AddWithValue("$s", i);
            insert.Parameters.AddWithValue("$b", payload);
            await insert.ExecuteNonQueryAsync();
        }

        return count / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> NaivePostgresInsertsAsync(string connectionString, int writers, int perWriter)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var create = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS naive (pid TEXT, seq BIGINT, payload BYTEA, UNIQUE (pid, seq))"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var payload = new Recorded { Index = 1, Note = "x" }.ToByteArray();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                await using var insert = dataSource.CreateCommand("INSERT INTO naive VALUES ($1, $2, $3)");
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"w{w}" });
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = i });
                insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
                await insert.ExecuteNonQueryAsync();
            }
        }));
        return writers * perWriter / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> RawSelectAsync(string connectionString, string id, int expected)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var watch = Stopwatch.StartNew();
        await using var select = dataSource.CreateCommand(
            "SELECT sequence_number, manifest, payload FROM journal WHERE persistence_id = $1 AND NOT deleted ORDER BY sequence_number");
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await using var reader = await select.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            _ = reader.GetInt64(0);
            _ = reader.GetString(1);
            _ = reader.GetFieldValue<byte[]>(2);
            rows++;
        }

        if (rows != expected)
        {
            throw new InvalidOperationException($"raw select read {rows} rows, expected {expected}");
        }

        return rows / watch.Elapsed.TotalSeconds;
    }
}

internal sealed class Go
{
    public static readonly Go Instance = new();
}

/// <summary>Persists its events one at a time, each after the previous one is stored.</summary>
internal sealed class Recorder : PersistentActor
{
    private readonly string _id;
    private long _count;

    public Recorder(string id, int toPersist, CountdownEvent recovered, CountdownEvent done, long[]? recoveredCount = null)
    {
        _id = id;
        Recover<Recorded>(_ => _count++);
        Recover<RecoveryCompleted>(_ =>
        {
            if (recoveredCount is not null)
            {
                recoveredCount[0] = _count;
            }

            recovered.Signal();
        });
        Receive<Go>(_ => PersistNext(toPersist, done));
    }

    public override string PersistenceId => _id;

    private void PersistNext(int toPersist, CountdownEvent done) =>
        Persist(new Recorded { Index = _count + 1 }, _ =>
        {
            if (++_count < toPersist)
            {
                PersistNext(toPersist, done);
            }
            else
            {
                done.Signal();
            }
        });
}
