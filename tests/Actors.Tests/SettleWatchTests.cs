using MediaCluster.Actors.Ingest;

namespace MediaCluster.Actors.Tests;

public sealed class SettleWatchTests
{
    [Fact]
    public void AThing_SettlesAfterItsLooksUnchanged_IsHandedOnOncePerSignature_AndAgainAfterItChanges()
    {
        var watch = new SettleWatch(looks: 2);
        Assert.Empty(watch.Look([("a", "1")]));  // first seen
        Assert.Empty(watch.Look([("a", "1")]));  // unchanged once
        Assert.Equal(["a"], watch.Look([("a", "1")]));
        Assert.Empty(watch.Look([("a", "1")]));  // handed on already
        Assert.Equal(0, watch.Unsettled);

        Assert.Empty(watch.Look([("a", "2")]));  // it grew: watched again
        Assert.Equal(1, watch.Unsettled);
        Assert.Empty(watch.Look([("a", "2")]));
        Assert.Equal(["a"], watch.Look([("a", "2")]));
    }

    [Fact]
    public void AThingThatChangesEveryLook_NeverSettles_AndOneMissingFromALook_IsForgotten()
    {
        var watch = new SettleWatch(looks: 1);
        for (var i = 0; i < 5; i++)
        {
            Assert.DoesNotContain("growing", watch.Look([("growing", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("still", "x")]));
        }

        Assert.Empty(watch.Look([]));
        Assert.Equal(0, watch.Unsettled);
        Assert.Empty(watch.Look([("still", "x")])); // seen anew
        Assert.Equal(["still"], watch.Look([("still", "x")]));

        watch.Forget("still");
        Assert.Empty(watch.Look([("still", "x")]));
        Assert.Equal(["still"], watch.Look([("still", "x")]));
    }
}
