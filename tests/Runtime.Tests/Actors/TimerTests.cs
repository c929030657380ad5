using MediaCluster.Runtime;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Actors;

public sealed class TimerTests
{
    [Fact]
    public async Task SingleTimer_FiresOnceWhenDue()
    {
        var time = new ManualTimeProvider();
        await using var system = ActorSystem.Create("single", timeProvider: time);
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new TimerUser(probe.Ref)));
        actor.Tell(new StartSingle(TimeSpan.FromSeconds(2)));
        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(2), "the single timer");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, time.ActiveTimers);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("tick", await probe.ExpectMsgAsync<string>("the single timer's tick"));
        Assert.Equal(0, time.ActiveTimers);
        actor.Tell("active?");
        Assert.Equal("active: False", await probe.ExpectMsgAsync<string>("the timer to be inactive after it fired"));
    }

    [Fact]
    public async Task PeriodicTimer_FiresEachInterval_UntilCancelled()
    {
        var time = new ManualTimeProvider();
        await using var system = ActorSystem.Create("periodic", timeProvider: time);
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new TimerUser(probe.Ref)));
        actor.Tell(new StartPeriodic(TimeSpan.FromSeconds(1)));
        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(1), "the periodic timer");
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(["tick", "tick", "tick"], await probe.ExpectMsgsAsync<string>(3, "three periodic ticks"));
        actor.Tell("cancel");
        Assert.Equal("cancelled", await probe.ExpectMsgAsync<string>("the cancel confirmation"));
        Assert.Equal(0, time.ActiveTimers);
        time.Advance(TimeSpan.FromSeconds(5));
        actor.Tell("active?");
        Assert.Equal("active: False", await probe.ExpectMsgAsync<string>("no tick after cancel, only the answer"));
    }

    [Fact]
    public async Task Timers_OnStop_AreCancelled()
    {
        var time = new ManualTimeProvider();
        await using var system = ActorSystem.Create("timer-stop", timeProvider: time);
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new TimerUser(probe.Ref)));
        actor.Tell(new StartPeriodic(TimeSpan.FromSeconds(1)));
        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(1), "the periodic timer");
        await probe.WatchAsync(actor);
        system.Stop(actor);
        await probe.ExpectMsgAsync<Terminated>("the timer user to stop");
        Assert.Equal(0, time.ActiveTimers);
    }

    [Fact]
    public async Task ReceiveTimeout_WhenIdle_FiresAndEachMessageRearmsIt()
    {
        var time = new ManualTimeProvider();
        await using var system = ActorSystem.Create("idle", timeProvider: time);
        var probe = new TestProbe(system);
        var actor = system.ActorOf(Props.Create(() => new TimerUser(probe.Ref)));
        actor.Tell(new Idle(TimeSpan.FromSeconds(10)));
        Assert.Equal("idle armed", await probe.ExpectMsgAsync<string>("the receive timeout to be set"));
        time.Advance(TimeSpan.FromSeconds(9));
        actor.Tell("active?");
        Assert.Equal("active: False", await probe.ExpectMsgAsync<string>("an answer before the timeout"));
        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(10), "the re-armed receive timeout");
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(probe.IsEmpty, "the receive timeout fired although a message re-armed it 9 s ago");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("timed out", await probe.ExpectMsgAsync<string>("the receive timeout"));
    }

    private sealed record StartSingle(TimeSpan Delay);

    private sealed record StartPeriodic(TimeSpan Interval);

    private sealed record Idle(TimeSpan After);

    private sealed class TimerUser : ActorBase
    {
        public TimerUser(IActorRef probe)
        {
            Receive<StartSingle>(s => Context.Timers.StartSingleTimer("t", "tick", s.Delay));
            Receive<StartPeriodic>(s => Context.Timers.StartPeriodicTimer("t", "tick", s.Interval, s.Interval));
            Receive<Idle>(i =>
            {
                Context.SetReceiveTimeout(i.After);
                probe.Tell("idle armed");
            });
            Receive<ReceiveTimeout>(_ =>
            {
                Context.SetReceiveTimeout(null);
                probe.Tell("timed out");
            });
            Receive<string>(_ => probe.Tell("tick"), m => m == "tick");
            Receive<string>(_ => probe.Tell($"active: {Context.Timers.IsTimerActive("t")}"), m => m == "active?");
            Receive<string>(
                _ =>
                {
                    Context.Timers.Cancel("t");
                    probe.Tell("cancelled");
                },
                m => m == "cancel");
        }
    }
}
