using MediaCluster.Runtime;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Actors;

public sealed class StashTests
{
    [Fact]
    public async Task UnstashAll_AfterOpening_ReplaysInOriginalOrderBeforeNewMessages()
    {
        await using var system = ActorSystem.Create("stash");
        var probe = new TestProbe(system);
        var door = system.ActorOf(Props.Create(() => new Door(probe.Ref)));
        foreach (var i in Enumerable.Range(1, 5))
        {
            door.Tell(i);
        }

        door.Tell("open");
        door.Tell(6);
        var seen = await probe.ExpectMsgsAsync<int>(6, "the numbers through the opened door");
        Assert.Equal([1, 2, 3, 4, 5, 6], seen);
    }

    [Fact]
    public async Task Stash_ThenRestart_KeepsStashedMessages()
    {
        await using var system = ActorSystem.Create("stash-restart");
        var probe = new TestProbe(system);
        var door = system.ActorOf(Props.Create(() => new Door(probe.Ref)));
        door.Tell(1);
        door.Tell(2);
        door.Tell("break");
        door.Tell("open");
        var seen = await probe.ExpectMsgsAsync<int>(2, "the stashed numbers after a restart");
        Assert.Equal([1, 2], seen);
    }

    private sealed class Door : ActorBase
    {
        public Door(IActorRef probe)
        {
            Receive<int>(_ => Context.Stash());
            Receive<string>(_ => throw new InvalidOperationException("door broke"), m => m == "break");
            Receive<string>(
                _ =>
                {
                    Become(() => Receive<int>(i => probe.Tell(i)));
                    Context.UnstashAll();
                },
                m => m == "open");
        }
    }
}
