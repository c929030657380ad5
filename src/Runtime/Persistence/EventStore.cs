using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCluster.Runtime.Persistence;

/// <summary>
/// The journal and snapshot store that persistent actors of a system use (register it with
/// <see cref="EventStoreExtensions.UseEventStore"/>). Open one per process; it owns the group-commit writer.
/// </summary>
public sealed class EventStore : IAsyncDisposable
{
    private readonly JournalBackend _backend;
    private int _disposed;

    private EventStore(JournalBackend backend, PersistenceOptions options, MessageSerializer serializer, ILoggerFactory loggerFactory)
    {
        _backend = backend;
        Options = options;
        Serializer = serializer;
        Writer = new GroupCommitWriter(
            backend, options.WriterId, options.MaxBatchSize, options.WriterConcurrency ?? backend.DefaultWriterConcurrency, loggerFactory.CreateLogger<EventStore>());
    }

    /// <summary>The settings this store was opened with.</summary>
    public PersistenceOptions Options { get; }

    /// <summary>Reads and writes payloads; register your event and snapshot types here.</summary>
    public MessageSerializer Serializer { get; }

    /// <summary>Write transactions that may be in flight at once.</summary>
    public int WriterConcurrency => Writer.Concurrency;

    /// <summary>Which back-end this is, for logs.</summary>
    public string BackendName => _backend.Name;

    /// <summary>Write transactions so far; fewer than <see cref="WriteRequests"/> when group commit merged them.</summary>
    public long WriteTransactions => Writer.Transactions;

    /// <summary>Atomic write requests (one per persisting message handler) so far.</summary>
    public long WriteRequests => Writer.Requests;

    internal GroupCommitWriter Writer { get; }

    internal JournalBackend Backend => _backend;

    /// <summary>Opens the back-end named in <paramref name="options"/>, creating tables if needed.</summary>
    public static async Task<EventStore> OpenAsync(
        PersistenceOptions options, MessageSerializer serializer, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        JournalBackend backend = options.Backend.ToLowerInvariant() switch
        {
            "sqlite" => new SqliteBackend(Path.Combine(options.DataDirectory, "journal.db")),
            "postgres" or "postgresql" => new PostgresBackend(options.ConnectionString
                ?? throw new ArgumentException("Persistence:ConnectionString is required when Persistence:Backend is 'postgres'.", nameof(options))),
            _ => throw new ArgumentException($"Unknown persistence back-end '{options.Backend}'; use 'sqlite' or 'postgres'.", nameof(options)),
        };
        try
        {
            await backend.InitializeAsync(cancellationToken);
        }
        catch
        {
            await backend.DisposeAsync();
            throw;
        }

        return new EventStore(backend, options, serializer, loggerFactory ?? NullLoggerFactory.Instance);
    }

    /// <summary>The highest sequence number ever written for <paramref name="persistenceId"/> (0 if none).</summary>
    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, CancellationToken cancellationToken = default) =>
        _backend.ReadHighestSequenceNrAsync(persistenceId, cancellationToken);

    /// <summary>Reads the live events of one id in order, deserialized.</summary>
    public async IAsyncEnumerable<PersistedEvent> ReadEventsAsync(
        string persistenceId, long fromSequenceNr = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var stored in _backend.ReadEventsAsync(persistenceId, fromSequenceNr, cancellationToken))
        {
            var payload = Serializer.Deserialize(stored.Manifest, stored.Payload, persistenceId, stored.SequenceNr);
            yield return new PersistedEvent(
                persistenceId, stored.SequenceNr, payload, DateTimeOffset.FromUnixTimeMilliseconds(stored.CreatedMs), stored.WriterId);
        }
    }

    /// <summary>Closes the writer (after the queued writes) and the back-end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await Writer.DisposeAsync();
        await _backend.DisposeAsync();
    }

    /// <summary>Writes a row whose bytes and manifest are taken as given (tests use this to plant corrupt rows).</summary>
    internal Task WriteRawAsync(string persistenceId, long sequenceNr, string manifest, byte[] payload) =>
        Writer.WriteAsync([new JournalRow(persistenceId, sequenceNr, manifest, payload, null)]);

    internal JournalRow ToRow(string persistenceId, long sequenceNr, IMessage message, string? tags)
    {
        var (manifest, payload) = Serializer.Serialize(message);
        return new JournalRow(persistenceId, sequenceNr, manifest, payload, tags);
    }
}

/// <summary>Attaches an <see cref="EventStore"/> to an actor system.</summary>
public static class EventStoreExtensions
{
    /// <summary>Makes <paramref name="store"/> the journal of every persistent actor in <paramref name="system"/>.</summary>
    public static ActorSystem UseEventStore(this ActorSystem system, EventStore store)
    {
        system.RegisterExtension(store);
        return system;
    }
}
