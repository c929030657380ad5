using MediaCluster.Runtime;
using MediaCluster.Runtime.Sharding;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Sharding;

public sealed class ShardRegionTests
{
    [Fact]
    public void Fnv1a_MatchesTheReferenceVectors_AndShardsAreStable()
    {
        Assert.Equal(0x811C9DC5u, ShardHash.Fnv1a(string.Empty));
        Assert.Equal(0xE40C292Cu, ShardHash.Fnv1a("a"));
        Assert.Equal(0xBF9CF968u, ShardHash.Fnv1a("foobar"));
        Assert.Equal((int)(0xBF9CF968u % 100), ShardHash.ShardOf("foobar", 100));
    }

    [Fact]
    public async Task EntityRef_RoutesToOneInstancePerId_WithTheSenderKept()
    {
        await using var system = ActorSystem.Create("sharding");
        var probe = new TestProbe(system);
        var region = system.ActorOf(Props.Create(() => new ShardRegion(id => Props.Create(() => new Counter(id)), 10)), "jobs");
        var odd = ShardRegion.EntityRef(region, "job/1 ä");
        foreach (var _ in Enumerable.Range(0, 3))
        {
            probe.Send(odd, "count");
        }

        Assert.Equal("job/1 ä:1", await probe.ExpectMsgAsync<string>("the first count"));
        Assert.Equal($"/user/jobs/{ShardHash.ShardOf("job/1 ä", 10)}/e-job%2F1%20%C3%A4", probe.LastSender.Path);
        Assert.Equal(["job/1 ä:2", "job/1 ä:3"], await probe.ExpectMsgsAsync<string>(2, "the same entity's next counts"));
        probe.Send(ShardRegion.EntityRef(region, "job-2"), "count");
        Assert.Equal("job-2:1", await probe.ExpectMsgAsync<string>("another entity's own count"));
    }

    [Fact]
    public async Task Passivate_StopsTheEntity_AndMessagesSentMeanwhileReachANewIncarnation()
    {
        await using var system = ActorSystem.Create("passivation");
        var probe = new TestProbe(system);
        var lifecycle = new TestProbe(system);
        var region = system.ActorOf(Props.Create(() => new ShardRegion(id => Props.Create(() => new Passivating(id, lifecycle.Ref)), 10)));
        var entity = ShardRegion.EntityRef(region, "job-1");

        probe.Send(entity, "count");
        Assert.Equal("job-1:1", await probe.ExpectMsgAsync<string>("the first count"));
        probe.Send(entity, "passivate");
        Assert.Equal("passivating", await lifecycle.ExpectMsgAsync<string>("the entity asking to passivate"));

        // The shard has the request before these (the entity sent it before telling us): they must wait, not be lost.
        probe.Send(entity, "count");
        probe.Send(entity, "count");
        Assert.Equal("stopped", await lifecycle.ExpectMsgAsync<string>("the old incarnation stopping"));
        Assert.Equal(["job-1:1", "job-1:2"], await probe.ExpectMsgsAsync<string>(2, "the counts of a new incarnation"));

        // Passivated again with nothing waiting: the next message simply creates the entity again.
        probe.Send(entity, "passivate");
        Assert.Equal("passivating", await lifecycle.ExpectMsgAsync<string>("the second request"));
        Assert.Equal("stopped", await lifecycle.ExpectMsgAsync<string>("the second stop"));
        probe.Send(entity, "count");
        Assert.Equal("job-1:1", await probe.ExpectMsgAsync<string>("a fresh incarnation's count"));
    }

    [Fact]
    public async Task ChildName_IsFreeWhenItsParentSeesTerminated()
    {
        await using var system = ActorSystem.Create("names");
        var probe = new TestProbe(system);
        var parent = system.ActorOf(Props.Create(() => new Recycler(probe.Ref)));

        probe.Send(parent, 200);

        Assert.Equal(200, await probe.ExpectMsgAsync<int>("two hundred children, one name, each made when the last was seen to stop"));
    }

    /// <summary>Stops a child named "child" and, on Terminated, makes the next one under the same name.</summary>
    private sealed class Recycler : ActorBase
    {
        private int _made;
        private int _wanted;

        public Recycler(IActorRef report)
        {
            Receive<int>(count =>
            {
                _wanted = count;
                Next();
            });
            Receive<Terminated>(_ =>
            {
                if (_made == _wanted)
                {
                    report.Tell(_made, Self);
                    return;
                }

                Next();
            });
        }

        private void Next()
        {
            _made++;
            var child = Context.Watch(Context.ActorOf(Props.Create(() => new Counter("child")), "child"));
            Context.Stop(child);
        }
    }

    private sealed class Passivating : ActorBase
    {
        private int _count;

        public Passivating(string id, IActorRef lifecycle)
        {
            Receive<string>(message =>
            {
                switch (message)
                {
                    case "count":
                        Sender.Tell($"{id}:{++_count}", Self);
                        break;
                    case "passivate":
                        Context.Parent.Tell(new Passivate("stop"), Self);
                        lifecycle.Tell("passivating", Self);
                        break;
                    case "stop":
                        Context.Stop(Self);
                        break;
                }
            });
            PostStopAction = () => lifecycle.Tell("stopped", Self);
        }

        private Action? PostStopAction { get; }

        protected override void PostStop() => PostStopAction?.Invoke();
    }

    private sealed class Counter : ActorBase
    {
        private int _count;

        public Counter(string id) => Receive<string>(_ => Sender.Tell($"{id}:{++_count}", Self));
    }
}
