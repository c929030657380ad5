using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;

namespace MediaCluster.Actors.Tests;

public sealed class TextBatchesTests
{
    [Fact]
    public void Of_TheTextsOf2000Segments_EachRequestFitsAFrame_AndTogetherTheyAreEveryTextInOrder()
    {
        // 2 000 segments of 30 s of speech each (about 600 characters of text): 1.2 MB, over the ~1 MB frame as one message.
        var texts = Enumerable.Range(0, 2000).Select(i => $"segment {i} " + new string('w', 600)).Append("the summary").ToList();
        Assert.True(new Messages.Jobs.ClassifyText { JobId = "long", Texts = { texts } }.CalculateSize() > MediaClusterAkka.MaxRemotingFrameBytes, "one message would not fit");

        var batches = TextBatches.Of("long", texts);

        Assert.All(batches, b => Assert.True(b.CalculateSize() < MediaClusterAkka.MaxRemotingFrameBytes / 2, $"a batch of {b.CalculateSize()} bytes"));
        Assert.All(batches, b => Assert.Equal("long", b.JobId));
        Assert.Equal(texts, batches.SelectMany(b => b.Texts));
        Assert.Equal(5, batches.Count);
        Assert.Equal([0, 1, 2, 3, 4], batches.Select(b => b.Batch)); // each answer names its batch, recorded once by it
    }

    [Fact]
    public void Of_ATextLongerThanTheLimit_IsCutToIt_AndAloneInItsBatch()
    {
        var batches = TextBatches.Of("j", ["short", new string('x', 100_000), "after"], maxBytes: 1000);
        Assert.Equal([["short"], [new string('x', TextBatches.MaxTextChars)], ["after"]], batches.Select(b => b.Texts.ToArray()));
    }
}
