using MediaCluster.Runtime.Cluster;

namespace MediaCluster.Runtime.Tests.Cluster;

public sealed class RolePlacementTests
{
    [Fact]
    public void Hosts_AreTheMembersWithTheRole()
    {
        var (hosts, byRole) = RolePlacement.Hosts(
            [ClusterMember.Of("c:1"), ClusterMember.Of("b:1", "gpu"), ClusterMember.Of("a:1", "gpu", "api")], "gpu");

        Assert.True(byRole);
        Assert.Equal(["a:1", "b:1"], hosts.Select(h => h.Address));
    }

    [Fact]
    public void Hosts_AreEveryMember_WhenNoneHasTheRole()
    {
        var (hosts, byRole) = RolePlacement.Hosts([ClusterMember.Of("b:1", "api"), ClusterMember.Of("a:1")], "gpu");

        Assert.False(byRole);
        Assert.Equal(["a:1", "b:1"], hosts.Select(h => h.Address));
    }

    [Fact]
    public void Hosts_WithoutMembers_IsAnError() =>
        Assert.Throws<ArgumentException>(() => RolePlacement.Hosts([], "gpu"));
}
