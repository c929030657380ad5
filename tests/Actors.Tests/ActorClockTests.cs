using Akka.Actor;
using Akka.TestKit.Xunit2;
using MediaCluster.Actors.Hosting;
using MediaCluster.Testing;

namespace MediaCluster.Actors.Tests;

public sealed class ActorClockTests : TestKit
{
    [Fact]
    public async Task Timers_OnAManualClock_DeliverWhenDue_AndNeverOnceCancelledOrReplaced()
    {
        var time = new ManualTimeProvider();
        var probe = CreateTestProbe();
        var owner = Sys.ActorOf(Props.Create(() => new TimedActor(time, probe.Ref)));

        owner.Tell(new Arm("a", "first", TimeSpan.FromSeconds(2)));
        owner.Tell(new Arm("a", "replaced", TimeSpan.FromSeconds(3)));
        owner.Tell(new Arm("b", "cancelled", TimeSpan.FromSeconds(1)));
        owner.Tell(new Disarm("b"));
        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(3), "the replacing timer");

        time.Advance(TimeSpan.FromSeconds(2));
        owner.Tell("barrier");
        await probe.ExpectMsgAsync("barrier", hint: "the barrier after 2 s: neither the replaced nor the cancelled timer delivers");

        time.Advance(TimeSpan.FromSeconds(1));
        await probe.ExpectMsgAsync("replaced", hint: "the replacing timer, at 3 s");
        time.Advance(TimeSpan.FromSeconds(10));
        owner.Tell("barrier");
        await probe.ExpectMsgAsync("barrier", hint: "a single timer delivers once");
    }

    private sealed record Arm(string Key, string Message, TimeSpan Delay);

    private sealed record Disarm(string Key);

    private sealed class TimedActor : ReceiveActor
    {
        public TimedActor(TimeProvider time, IActorRef probe)
        {
            var clock = new ActorClock(time, Self);
            Receive<Arm>(arm => clock.StartSingle(arm.Key, arm.Message, arm.Delay));
            Receive<Disarm>(disarm => clock.Cancel(disarm.Key));
            Receive<ActorClock.Tick>(tick =>
            {
                if (clock.IsCurrent(tick))
                {
                    probe.Tell(tick.Message);
                }
            });
            Receive<string>(text => probe.Tell(text));
        }
    }
}
