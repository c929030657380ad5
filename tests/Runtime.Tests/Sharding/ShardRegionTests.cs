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

    private sealed class Counter : ActorBase
    {
        private int _count;

        public Counter(string id) => Receive<string>(_ => Sender.Tell($"{id}:{++_count}", Self));
    }
}
