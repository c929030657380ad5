using Akka.Actor;
using Akka.TestKit.Xunit2;
using MediaCluster.Actors.Speech;

namespace MediaCluster.Actors.Tests;

public sealed class SlotGateTests : TestKit
{
    [Fact]
    public async Task Gate_GrantsItsSlotsInArrivalOrder_AndFreesThemOnReleaseOrStop()
    {
        var gauge = new SlotGauge { Slots = 2 };
        var gate = Sys.ActorOf(Props.Create(() => new SlotGate(gauge)));
        var (a, b, c) = (CreateTestProbe("a"), CreateTestProbe("b"), CreateTestProbe("c"));

        a.Send(gate, AcquireSlot.Instance);
        b.Send(gate, AcquireSlot.Instance);
        c.Send(gate, AcquireSlot.Instance);
        await a.ExpectMsgAsync<SlotGranted>(hint: "a's slot");
        await b.ExpectMsgAsync<SlotGranted>(hint: "b's slot");
        a.Send(gate, AcquireSlot.Instance); // a holder asking again is answered again; also a barrier behind c's request
        await a.ExpectMsgAsync<SlotGranted>(hint: "a's slot, confirmed");
        Assert.False(c.HasMessages, "c must wait while both slots are held");
        Assert.Equal((2, 1), (gauge.Busy, gauge.Waiting));

        Sys.Stop(b.Ref); // a holder that stops gives its slot up
        await c.ExpectMsgAsync<SlotGranted>(hint: "c's slot, after b stopped");

        a.Send(gate, ReleaseSlot.Instance);
        c.Send(gate, AcquireSlot.Instance);
        await c.ExpectMsgAsync<SlotGranted>(hint: "c's slot, confirmed");
        Assert.Equal((1, 0), (gauge.Busy, gauge.Waiting));
    }
}
