using MediaCluster.Runtime.Persistence;
using MediaCluster.Testing;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime.Tests.Persistence;

public sealed class SqliteEventStoreTests : EventStoreContract, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mc-sqlite-");

    [Fact]
    public async Task Open_CreatesOneWalFileInTheDataDirectory()
    {
        await using var store = await OpenStoreAsync(Logs.CreateFactory());
        Assert.True(File.Exists(Path.Combine(_directory.FullName, "journal.db")));
        Assert.True(File.Exists(Path.Combine(_directory.FullName, "journal.db-wal")), "journal.db is not in WAL mode");
    }

    public void Dispose() => _directory.Delete(recursive: true);

    protected override Task<EventStore> OpenStoreAsync(ILoggerFactory loggerFactory) =>
        EventStore.OpenAsync(new PersistenceOptions { Backend = "sqlite", DataDirectory = _directory.FullName }, new MessageSerializer(), loggerFactory);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresEventStoreTests(PostgresFixture postgres) : EventStoreContract
{
    protected override Task<EventStore> OpenStoreAsync(ILoggerFactory loggerFactory) =>
        EventStore.OpenAsync(
            new PersistenceOptions { Backend = "postgres", ConnectionString = postgres.Server.ConnectionString }, new MessageSerializer(), loggerFactory);
}

/// <summary>One private PostgreSQL server for every test class in the collection.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("PostgreSQL did not start.");

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync(durable: false);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
