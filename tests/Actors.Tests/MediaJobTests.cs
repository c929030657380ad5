using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

public sealed class MediaJobTests() : SampleTest("mc-jobs-", "ten clips.wav", 10)
{
    [Fact]
    public async Task Jobs_BadInputBesideAGoodOne_FailsWithTheEngineMessage_WhileTheOtherCompletes()
    {
        var notMedia = Path.Combine(Folder, "notes.mp4");
        await File.WriteAllTextAsync(notMedia, "not a video");
        await using var node = await EmbeddedNode.StartAsync(Path.Combine(Folder, "data-mixed"));
        var good = node.Jobs.RunAsync(Spec("good", "out-good"));
        var bad = node.Jobs.RunAsync(new JobSpec { JobId = "bad", InputPath = notMedia, OutputDir = Path.Combine(Folder, "out-bad") });
        var badEnd = await bad;
        Assert.Equal(JobState.Failed, badEnd.State);
        Assert.StartsWith($"ffprobe could not read '{notMedia}' as media:", badEnd.Error);
        Assert.Equal(JobState.Completed, (await good).State);
        Assert.False(Directory.Exists(Path.Combine(Folder, "out-bad")));

        // A finished job started again stays finished and does no work.
        var before = node.Metrics.Recognitions;
        var goodEnd = await node.Jobs.RunAsync(Spec("good", "out-good"));
        Assert.Equal(JobState.Completed, goodEnd.State);
        Assert.Equal(before, node.Metrics.Recognitions);
        Assert.Equal([badEnd, goodEnd], (await node.Jobs.ListAsync()).Jobs.OrderBy(j => j.JobId, StringComparer.Ordinal));

        // The index keeps each ended job's last progress: a new node lists them as they ended.
        await node.DisposeAsync();
        await using var restarted = await EmbeddedNode.StartAsync(Path.Combine(Folder, "data-mixed"));
        Assert.Equal([badEnd, goodEnd], (await restarted.Jobs.ListAsync()).Jobs.OrderBy(j => j.JobId, StringComparer.Ordinal));
        Assert.Equal(goodEnd, await restarted.Jobs.FindAsync("good"));
        Assert.Null(await restarted.Jobs.FindAsync("nope"));
    }

    private JobSpec Spec(string id, string output) =>
        new() { JobId = id, InputPath = Sample.Path, OutputDir = Path.Combine(Folder, output) };
}

public sealed class IdempotentStartTests() : SampleTest("mc-start-", "two.wav", 2)
{
    [Fact]
    public async Task Start_SentThreeTimesAtOnce_MakesOneJob_WithOneAcceptanceInTheJournal()
    {
        var options = new MediaNodeOptions { DataDirectory = Path.Combine(Folder, "data") };
        var spec = new JobSpec { JobId = "once", InputPath = Sample.Path, OutputDir = Path.Combine(Folder, "out") };
        await using (var node = await EmbeddedNode.StartAsync(options))
        {
            // As a client that saw no answer and tried again would: the same id, started three times together.
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => node.Jobs.StartAsync(spec)));
            var end = await node.Jobs.WatchAsync("once").WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal(JobState.Completed, end.State);
            Assert.Equal(["once"], (await node.Jobs.ListAsync()).Jobs.Select(j => j.JobId));
            Assert.Equal(end.SegmentsFound, node.Metrics.Recognitions);
        }

        var rows = await Testing.JournalReader.ReadSqliteAsync(options.DataDirectory, "job-once");
        Assert.Single(rows, r => r.Manifest == "mediacluster.jobs.JobAccepted");
        Assert.Single(await Testing.JournalReader.ReadSqliteAsync(options.DataDirectory, "job-index"), r => r.Manifest == "mediacluster.jobs.JobRegistered");
    }
}
