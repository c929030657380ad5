using Google.Protobuf;
using MediaCluster.Runtime;
using MediaCluster.Runtime.Persistence;
using MediaCluster.Runtime.Tests.Protos;
using MediaCluster.Testing;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime.Tests.Persistence;

/// <summary>The persistence contract; every back-end runs exactly these tests.</summary>
public abstract class EventStoreContract : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _cleanup = [];

    protected CapturingLoggerProvider Logs { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_cleanup))
        {
            await item.DisposeAsync();
        }
    }

    /// <summary>Opens a store on the back-end under test; the same database every call within one test.</summary>
    protected abstract Task<EventStore> OpenStoreAsync(ILoggerFactory loggerFactory);

    [Fact]
    public async Task Persist_ThenRecover_RestoresStateAndSequence()
    {
        var (system, probe) = await StartAsync();
        var id = NewId();
        var counter = await SpawnAsync(system, probe, id);
        counter.Tell(new Add(5));
        counter.Tell(new long[] { 1, 2, 3 });
        Assert.Equal(11L, await counter.Ask<long>("total", Timeout));
        await StopAsync(probe, counter);

        var recovered = await SpawnAsync(system, probe, id, expectRecovered: false);
        var report = await probe.ExpectMsgAsync<Recovered>("recovery of the counter");
        Assert.Equal(new Recovered(11, 4, false, 4), report);
        Assert.Equal(4L, await recovered.Ask<long>("seq", Timeout));
    }

    [Fact]
    public async Task Command_DuringPersist_WaitsUntilTheEventIsApplied()
    {
        var (system, probe) = await StartAsync();
        var counter = await SpawnAsync(system, probe, NewId());
        for (var i = 1; i <= 50; i++)
        {
            counter.Tell(new Add(1));
            Assert.Equal((long)i, await counter.Ask<long>("total", Timeout));
        }
    }

    [Fact]
    public async Task Snapshot_ThenRecover_ReplaysOnlyNewerEvents()
    {
        var (system, probe) = await StartAsync();
        var id = NewId();
        var counter = await SpawnAsync(system, probe, id);
        counter.Tell(Enumerable.Repeat(2L, 10).ToArray());
        counter.Tell("snapshot");
        Assert.Equal(new SaveSnapshotSuccess(10), await probe.ExpectMsgAsync<SaveSnapshotSuccess>("the snapshot to be saved"));
        counter.Tell(new long[] { 1, 1, 1 });
        Assert.Equal(23L, await counter.Ask<long>("total", Timeout));
        await StopAsync(probe, counter);

        await SpawnAsync(system, probe, id, expectRecovered: false);
        Assert.Equal(new Recovered(23, 3, true, 13), await probe.ExpectMsgAsync<Recovered>("recovery from the snapshot"));
    }

    [Fact]
    public async Task DeleteMessagesTo_KeepsSequenceNumbersTaken()
    {
        var (system, probe) = await StartAsync();
        var id = NewId();
        var counter = await SpawnAsync(system, probe, id);
        counter.Tell(new long[] { 1, 2, 3, 4, 5 });
        counter.Tell("delete 5");
        Assert.Equal(new DeleteMessagesSuccess(5), await probe.ExpectMsgAsync<DeleteMessagesSuccess>("the deletion"));
        await StopAsync(probe, counter);

        var again = await SpawnAsync(system, probe, id, expectRecovered: false);
        Assert.Equal(new Recovered(0, 0, false, 5), await probe.ExpectMsgAsync<Recovered>("recovery after deleting everything"));
        again.Tell(new Add(7));
        Assert.Equal(6L, await again.Ask<long>("seq", Timeout));
        var store = system.GetExtension<EventStore>();
        var events = await store.ReadEventsAsync(id).ToListAsync();
        Assert.Equal([6L], events.Select(e => e.SequenceNr));
        Assert.Equal(7, ((ValueAdded)events[0].Payload).Value);
    }

    [Fact]
    public async Task Persist_WhenSequenceTaken_StopsTheStaleWriter()
    {
        var (system, probe) = await StartAsync();
        var id = NewId();
        var owner = await SpawnAsync(system, probe, id, name: "owner");
        var stale = await SpawnAsync(system, probe, id, name: "stale");
        await probe.WatchAsync(stale);
        owner.Tell(new Add(1));
        Assert.Equal(1L, await owner.Ask<long>("seq", Timeout));

        stale.Tell(new Add(100));
        var terminated = await probe.ExpectMsgAsync<Terminated>("the stale writer to stop");
        Assert.Same(stale, terminated.Actor);
        var line = await Logs.WaitForAsync(e => e.Message.StartsWith("Stopping /user/stale:", StringComparison.Ordinal), "the conflict log line");
        Assert.Equal(
            $"Stopping /user/stale: Persistence id '{id}': sequence number(s) 1..1 are already in the journal; another writer got there first. " +
            $"This instance is stale; stopping it keeps the history of '{id}' from forking.",
            line.Message);
        var events = await system.GetExtension<EventStore>().ReadEventsAsync(id).ToListAsync();
        Assert.Equal([1L], events.Select(e => ((ValueAdded)e.Payload).Value));
    }

    [Fact]
    public async Task Recover_CorruptPayload_FailsNamingIdAndSequence()
    {
        var (system, probe) = await StartAsync();
        var id = NewId();
        var store = system.GetExtension<EventStore>();
        await store.WriteRawAsync(id, 1, ValueAdded.Descriptor.FullName, new ValueAdded { Value = 1 }.ToByteArray());
        await store.WriteRawAsync(id, 2, ValueAdded.Descriptor.FullName, [0x08, 0xFF, 0xFF, 0xFF]);
        var counter = await SpawnAsync(system, probe, id, expectRecovered: false, watch: true);
        var failure = await probe.ExpectMsgAsync<RecoveryFailed>("the recovery failure");
        Assert.StartsWith(
            $"Recovery of '{id}' failed at sequence number 2: the 4-byte payload is not a valid 'mediacluster.tests.ValueAdded':",
            failure.Reason);
        Assert.Same(counter, (await probe.ExpectMsgAsync<Terminated>("the actor to stop after failed recovery")).Actor);
    }

    [Fact]
    public async Task Recover_UnknownManifest_FailsNamingIdAndSequence()
    {
        var (system, probe) = await StartAsync();
        var id = NewId();
        var store = system.GetExtension<EventStore>();
        await store.WriteRawAsync(id, 1, UnknownEvent.Descriptor.FullName, [0x0A, 0x01, 0x41]);
        await SpawnAsync(system, probe, id, expectRecovered: false, watch: true);
        var failure = await probe.ExpectMsgAsync<RecoveryFailed>("the recovery failure");
        Assert.Equal(
            $"Recovery of '{id}' failed at sequence number 1: unknown manifest 'mediacluster.tests.UnknownEvent' (no registered protobuf type has that name).",
            failure.Reason);
        await probe.ExpectMsgAsync<Terminated>("the actor to stop after failed recovery");
    }

    [Fact]
    public async Task Recover_EventWithoutHandler_FailsNamingTheType()
    {
        var (system, probe) = await StartAsync();
        var id = NewId();
        await system.GetExtension<EventStore>().WriteRawAsync(id, 1, Chunk.Descriptor.FullName, new Chunk { Index = 3 }.ToByteArray());
        await SpawnAsync(system, probe, id, expectRecovered: false);
        var failure = await probe.ExpectMsgAsync<RecoveryFailed>("the recovery failure");
        Assert.Equal($"Recovery of '{id}' failed at sequence number 1: no Recover handler accepts mediacluster.tests.Chunk.", failure.Reason);
    }

    [Fact]
    public async Task Persist_UnregisteredType_IsRefusedBeforeWriting()
    {
        var (system, _) = await StartAsync();
        var store = system.GetExtension<EventStore>();
        var error = Assert.Throws<InvalidOperationException>(() => store.Serializer.Serialize(new UnknownEvent()));
        Assert.StartsWith("Cannot persist mediacluster.tests.UnknownEvent: its type is not registered", error.Message);
    }

    [Fact]
    public async Task Persist_FromManyActorsAtOnce_SharesTransactions()
    {
        var (system, probe) = await StartAsync();
        var store = system.GetExtension<EventStore>();
        var actors = new List<IActorRef>();
        for (var i = 0; i < 10; i++)
        {
            actors.Add(await SpawnAsync(system, probe, NewId()));
        }

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requestsBefore = store.WriteRequests;
        var transactionsBefore = store.WriteTransactions;
        store.Writer.BeforeBatch = () => gate.Task;
        foreach (var actor in actors)
        {
            actor.Tell(new Add(1));
        }

        while (store.WriteRequests < requestsBefore + actors.Count)
        {
            await Task.Yield();
        }

        gate.SetResult();
        foreach (var actor in actors)
        {
            Assert.Equal(1L, await actor.Ask<long>("seq", Timeout));
        }

        Assert.Equal(actors.Count, store.WriteRequests - requestsBefore);
        var transactions = store.WriteTransactions - transactionsBefore;
        Assert.True(
            transactions >= 1 && transactions <= store.WriterConcurrency,
            $"{actors.Count} queued writes took {transactions} transactions; group commit allows at most one per writer loop ({store.WriterConcurrency})");
    }

    private static TimeSpan Timeout => TimeSpan.FromSeconds(30);

    private static string NewId() => "counter-" + Guid.NewGuid().ToString("N")[..12];

    private async Task<(ActorSystem System, TestProbe Probe)> StartAsync()
    {
        var loggerFactory = Logs.CreateFactory();
        var store = await OpenStoreAsync(loggerFactory);
        _cleanup.Add(store);
        store.Serializer.Register(ValueAdded.Descriptor, CounterSnapshot.Descriptor, Chunk.Descriptor);
        var system = ActorSystem.Create("persistence", loggerFactory: loggerFactory).UseEventStore(store);
        _cleanup.Add(system);
        return (system, new TestProbe(system));
    }

    private static async Task<IActorRef> SpawnAsync(
        ActorSystem system, TestProbe probe, string id, bool expectRecovered = true, bool watch = false, string? name = null)
    {
        var actor = system.ActorOf(Props.Create(() => new CounterActor(id, probe.Ref)), name);
        if (watch)
        {
            await probe.WatchAsync(actor);
        }

        if (expectRecovered)
        {
            await probe.ExpectMsgAsync<Recovered>($"recovery of {id}");
        }

        return actor;
    }

    private static async Task StopAsync(TestProbe probe, IActorRef actor)
    {
        await probe.WatchAsync(actor);
        actor.Tell(PoisonPill.Instance);
        await probe.ExpectMsgAsync<Terminated>($"{actor.Path} to stop");
    }
}
