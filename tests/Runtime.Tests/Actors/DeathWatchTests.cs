using MediaCluster.Runtime;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Actors;

public sealed class DeathWatchTests
{
    [Fact]
    public async Task Watch_ChildThatStops_DeliversTerminatedToParent()
    {
        await using var system = ActorSystem.Create("watch");
        var probe = new TestProbe(system);
        system.ActorOf(Props.Create(() => new WatchingParent(probe.Ref)), "parent");
        var child = await probe.ExpectMsgAsync<IActorRef>("the child reference");
        child.Tell(PoisonPill.Instance);
        var terminated = await probe.ExpectMsgAsync<Terminated>("the parent to forward Terminated of its child");
        Assert.Same(child, terminated.Actor);
    }

    [Fact]
    public async Task Watch_AlreadyStoppedActor_DeliversTerminatedAtOnce()
    {
        await using var system = ActorSystem.Create("late-watch");
        var probe = new TestProbe(system);
        var doomed = system.ActorOf(Props.Create<EchoActor>());
        await probe.WatchAsync(doomed);
        system.Stop(doomed);
        await probe.ExpectMsgAsync<Terminated>("Terminated of the stopped actor");

        var lateProbe = new TestProbe(system);
        await lateProbe.WatchAsync(doomed);
        var terminated = await lateProbe.ExpectMsgAsync<Terminated>("Terminated for a watch that came after the death");
        Assert.Same(doomed, terminated.Actor);
    }

    [Fact]
    public async Task Unwatch_BeforeStop_NoTerminatedArrives()
    {
        await using var system = ActorSystem.Create("unwatch");
        var probe = new TestProbe(system);
        var watched = system.ActorOf(Props.Create<EchoActor>());
        var marker = system.ActorOf(Props.Create<EchoActor>());
        await probe.WatchAsync(watched);
        await probe.UnwatchAsync(watched);
        var otherProbe = new TestProbe(system);
        await otherProbe.WatchAsync(watched);
        system.Stop(watched);
        await otherProbe.ExpectMsgAsync<Terminated>("the still-watching probe to learn of the death");
        probe.Send(marker, "marker");
        Assert.Equal("marker", await probe.ExpectMsgAsync<string>("the marker, with no Terminated before it"));
    }

    [Fact]
    public async Task Tell_ToStoppedActor_CountsDeadLetterAndLogsWithLimit()
    {
        var logs = new CapturingLoggerProvider();
        var time = new ManualTimeProvider();
        await using var system = ActorSystem.Create(
            "dead", new ActorSystemOptions { DeadLetterLogLimit = 3 }, logs.CreateFactory(), time);
        var probe = new TestProbe(system);
        var target = system.ActorOf(Props.Create<EchoActor>(), "gone");
        await probe.WatchAsync(target);
        system.Stop(target);
        await probe.ExpectMsgAsync<Terminated>("the target to stop");
        var before = system.DeadLetterCount;
        for (var i = 0; i < 10; i++)
        {
            target.Tell($"letter {i}");
        }

        Assert.Equal(before + 10, system.DeadLetterCount);
        var deadLetterLines = logs.Entries.Where(e => e.Category.EndsWith("DeadLetters", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, deadLetterLines.Count);
        Assert.Equal("Dead letter: String from nobody to /user/gone was not delivered", deadLetterLines[0].Message);
        Assert.StartsWith("3 dead letters logged in this window", deadLetterLines[3].Message);

        time.Advance(TimeSpan.FromMinutes(1));
        target.Tell("after the window");
        Assert.Equal(5, logs.Entries.Count(e => e.Category.EndsWith("DeadLetters", StringComparison.Ordinal)));
    }

    private sealed class WatchingParent : ActorBase
    {
        private readonly IActorRef _probe;

        public WatchingParent(IActorRef probe)
        {
            _probe = probe;
            Receive<Terminated>(t => probe.Tell(t));
        }

        protected override void PreStart()
        {
            var child = Context.ActorOf(Props.Create<EchoActor>(), "child");
            Context.Watch(child);
            _probe.Tell(child);
        }
    }
}
