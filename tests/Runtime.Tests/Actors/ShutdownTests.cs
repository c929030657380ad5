using System.Collections.Concurrent;
using MediaCluster.Runtime;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Actors;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Terminate_StopsChildrenBeforeParents_RunsPostStop_AndStopsTimers()
    {
        var time = new ManualTimeProvider();
        var system = ActorSystem.Create("shutdown", timeProvider: time);
        var order = new ConcurrentQueue<string>();
        var probe = new TestProbe(system);
        system.ActorOf(Props.Create(() => new Node(order, 2, probe.Ref)), "n0");
        Assert.Equal(["n2 ready"], [await probe.ExpectMsgAsync<string>("the deepest actor to start")]);
        await time.WaitForTimerAsync(_ => true, "the actors' periodic timers");
        Assert.Equal(3, time.ActiveTimers);

        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(["n2", "n1", "n0"], order.ToArray());
        Assert.Equal(0, time.ActiveTimers);
        Assert.True(system.WhenTerminated.IsCompletedSuccessfully);
    }

    private sealed class Node : ActorBase
    {
        private readonly ConcurrentQueue<string> _order;
        private readonly int _depth;
        private readonly IActorRef _probe;

        public Node(ConcurrentQueue<string> order, int depth, IActorRef probe)
        {
            _order = order;
            _depth = depth;
            _probe = probe;
            Receive<string>(_ => { });
        }

        private string Name => "n" + (2 - _depth);

        protected override void PreStart()
        {
            Context.Timers.StartPeriodicTimer("heartbeat", "beat", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            if (_depth > 0)
            {
                Context.ActorOf(Props.Create(() => new Node(_order, _depth - 1, _probe)), "n" + (3 - _depth));
            }
            else
            {
                _probe.Tell($"{Name} ready");
            }
        }

        protected override void PostStop() => _order.Enqueue(Name);
    }
}
