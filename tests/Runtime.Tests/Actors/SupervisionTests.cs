using MediaCluster.Runtime;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Actors;

public sealed class SupervisionTests
{
    [Fact]
    public async Task Restart_AfterFailure_KeepsTheMailboxAndResetsState()
    {
        await using var system = ActorSystem.Create("restart");
        var probe = new TestProbe(system);
        var generation = 0;
        var counter = system.ActorOf(Props.Create(() => new Counter(probe.Ref, Interlocked.Increment(ref generation))));
        counter.Tell("inc");
        counter.Tell("inc");
        counter.Tell("boom");
        for (var i = 0; i < 100; i++)
        {
            counter.Tell("inc");
        }

        counter.Tell("report");
        Assert.Equal("generation 2 count 100", await probe.ExpectMsgAsync<string>("the restarted counter's report"));
    }

    [Fact]
    public async Task Resume_AfterFailure_KeepsState()
    {
        await using var system = ActorSystem.Create("resume");
        var probe = new TestProbe(system);
        var parent = system.ActorOf(Props.Create(() => new Parent(
            Props.Create(() => new Counter(probe.Ref, 1)),
            new SupervisorStrategy(_ => Directive.Resume),
            probe.Ref)));
        var child = await probe.ExpectMsgAsync<IActorRef>("the child reference");
        child.Tell("inc");
        child.Tell("inc");
        child.Tell("boom");
        child.Tell("inc");
        child.Tell("report");
        Assert.Equal("generation 1 count 3", await probe.ExpectMsgAsync<string>("the resumed counter's report"));
        GC.KeepAlive(parent);
    }

    [Fact]
    public async Task Stop_AfterFailure_TerminatesOnlyTheFailingChild()
    {
        await using var system = ActorSystem.Create("stop");
        var probe = new TestProbe(system);
        var parent = system.ActorOf(Props.Create(() => new Parent(
            Props.Create(() => new Counter(probe.Ref, 1)),
            SupervisorStrategy.StoppingStrategy,
            probe.Ref)));
        var failing = await probe.ExpectMsgAsync<IActorRef>("the child reference");
        var sibling = system.ActorOf(Props.Create<EchoActor>(), "sibling");
        await probe.WatchAsync(failing);
        failing.Tell("boom");
        var terminated = await probe.ExpectMsgAsync<Terminated>("the failing child to stop");
        Assert.Same(failing, terminated.Actor);
        Assert.Equal("still here", await sibling.Ask<string>("still here", TimeSpan.FromSeconds(10)));
        Assert.Equal("ok", await parent.Ask<string>("ping", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Escalate_FromChild_RestartsTheParent()
    {
        await using var system = ActorSystem.Create("escalate");
        var probe = new TestProbe(system);
        var parent = system.ActorOf(Props.Create(() => new Parent(
            Props.Create(() => new ReporterActor(probe.Ref, "child")),
            new SupervisorStrategy(_ => Directive.Escalate),
            probe.Ref)), "parent");
        var child = await probe.ExpectMsgAsync<IActorRef>("the first child reference");
        Assert.Equal("child started", await probe.ExpectMsgAsync<string>("the first child to start"));
        child.Tell(new Explode());
        Assert.Equal("child stopped", await probe.ExpectMsgAsync<string>("the old child to stop when its parent restarts"));
        var replacement = await probe.ExpectMsgAsync<IActorRef>("the restarted parent's new child");
        Assert.Equal("/user/parent/worker", replacement.Path);
        Assert.NotSame(child, replacement);
        Assert.Equal("child started", await probe.ExpectMsgAsync<string>("the new child to start"));
        GC.KeepAlive(parent);
    }

    [Fact]
    public async Task Restart_BeyondRetryLimit_StopsTheChild()
    {
        await using var system = ActorSystem.Create("limit");
        var probe = new TestProbe(system);
        var generation = 0;
        system.ActorOf(Props.Create(() => new Parent(
            Props.Create(() => new Counter(probe.Ref, Interlocked.Increment(ref generation))),
            SupervisorStrategy.Default.WithRetryLimit(2, TimeSpan.FromMinutes(1)),
            probe.Ref)));
        var child = await probe.ExpectMsgAsync<IActorRef>("the child reference");
        await probe.WatchAsync(child);
        child.Tell("boom");
        child.Tell("boom");
        child.Tell("report");
        Assert.Equal("generation 3 count 0", await probe.ExpectMsgAsync<string>("the report after two restarts"));
        child.Tell("boom");
        await probe.ExpectMsgAsync<Terminated>("the child to be stopped after a third failure");
        Assert.Equal(3, generation);
    }

    [Fact]
    public async Task Restart_WithBackoff_WaitsDoublingDelays()
    {
        var time = new ManualTimeProvider();
        await using var system = ActorSystem.Create("backoff", timeProvider: time);
        var probe = new TestProbe(system);
        var generation = 0;
        system.ActorOf(Props.Create(() => new Parent(
            Props.Create(() => new Counter(probe.Ref, Interlocked.Increment(ref generation))),
            SupervisorStrategy.Default.WithBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)),
            probe.Ref)));
        var child = await probe.ExpectMsgAsync<IActorRef>("the child reference");

        foreach (var (delay, expectedGeneration) in new[] { (1, 2), (2, 3), (3, 4) })
        {
            child.Tell("boom");
            child.Tell("report");
            await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(delay), $"a {delay} s back-off");
            time.Advance(TimeSpan.FromSeconds(delay) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(expectedGeneration - 1, Volatile.Read(ref generation));
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal($"generation {expectedGeneration} count 0", await probe.ExpectMsgAsync<string>($"the report after the {delay} s back-off"));
        }
    }

    private sealed class Counter : ActorBase
    {
        private int _count;

        public Counter(IActorRef probe, int generation)
        {
            Receive<string>(_ => _count++, m => m == "inc");
            Receive<string>(_ => throw new InvalidOperationException("boom"), m => m == "boom");
            Receive<string>(_ => probe.Tell($"generation {generation} count {_count}"), m => m == "report");
        }
    }

    /// <summary>Creates one child named "worker" and tells the probe its reference; supervises with the given strategy.</summary>
    private sealed class Parent : ActorBase
    {
        private readonly Props _childProps;
        private readonly SupervisorStrategy _strategy;
        private readonly IActorRef _probe;

        public Parent(Props childProps, SupervisorStrategy strategy, IActorRef probe)
        {
            _childProps = childProps;
            _strategy = strategy;
            _probe = probe;
            Receive<string>(_ => Sender.Tell("ok"), m => m == "ping");
        }

        protected override void PreStart() => _probe.Tell(Context.ActorOf(_childProps, "worker"));

        protected internal override SupervisorStrategy GetSupervisorStrategy() => _strategy;
    }
}
