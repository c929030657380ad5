using MediaCluster.Actors.Workers;
using MediaCluster.Runtime;
using MediaCluster.Testing;

namespace MediaCluster.Actors.Tests;

public sealed class SlotGateTests : IAsyncLifetime
{
    private readonly ActorSystem _system = ActorSystem.Create("slots");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _system.Terminate();

    [Fact]
    public async Task Gate_GrantsItsSlotsInArrivalOrder_AndFreesThemOnReleaseOrStop()
    {
        var gauge = new SlotGauge { Slots = 2 };
        var gate = _system.ActorOf(Props.Create(() => new SlotGate(gauge)));
        var (a, b, c) = (new TestProbe(_system, "a"), new TestProbe(_system, "b"), new TestProbe(_system, "c"));

        a.Send(gate, AcquireSlot.Instance);
        b.Send(gate, AcquireSlot.Instance);
        c.Send(gate, AcquireSlot.Instance);
        await a.ExpectMsgAsync<SlotGranted>("a's slot");
        await b.ExpectMsgAsync<SlotGranted>("b's slot");
        a.Send(gate, AcquireSlot.Instance); // a holder asking again is answered again; also a barrier behind c's request
        await a.ExpectMsgAsync<SlotGranted>("a's slot, confirmed");
        Assert.True(c.IsEmpty, "c must wait while both slots are held");
        Assert.Equal((2, 1), (gauge.Busy, gauge.Waiting));

        _system.Stop(b.Ref); // a holder that stops gives its slot up
        await c.ExpectMsgAsync<SlotGranted>("c's slot, after b stopped");

        a.Send(gate, ReleaseSlot.Instance);
        c.Send(gate, AcquireSlot.Instance);
        await c.ExpectMsgAsync<SlotGranted>("c's slot, confirmed");
        Assert.Equal((1, 0), (gauge.Busy, gauge.Waiting));
    }
}
