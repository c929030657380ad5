using MediaCluster.Actors.Jobs;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

public sealed class MediaJobTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-jobs-").FullName;
    private SpeechSample _sample = null!;

    public async Task InitializeAsync() =>
        _sample = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, "ten clips.wav"), TimeSpan.Zero, clipCount: 10);

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Jobs_BadInputBesideAGoodOne_FailsWithTheEngineMessage_WhileTheOtherCompletes()
    {
        var notMedia = Path.Combine(_directory, "notes.mp4");
        await File.WriteAllTextAsync(notMedia, "not a video");
        await using var node = await MediaNode.StartAsync(Path.Combine(_directory, "data-mixed"));
        var good = node.RunAsync(Spec("good", "out-good"));
        var bad = node.RunAsync(new JobSpec { JobId = "bad", InputPath = notMedia, OutputDir = Path.Combine(_directory, "out-bad") });
        var badEnd = await bad;
        Assert.Equal(JobState.Failed, badEnd.State);
        Assert.StartsWith($"ffprobe could not read '{notMedia}' as media:", badEnd.Error);
        Assert.Equal(JobState.Completed, (await good).State);
        Assert.False(Directory.Exists(Path.Combine(_directory, "out-bad")));

        // A finished job started again stays finished and does no work.
        var before = node.Metrics.Recognitions;
        var goodEnd = await node.RunAsync(Spec("good", "out-good"));
        Assert.Equal(JobState.Completed, goodEnd.State);
        Assert.Equal(before, node.Metrics.Recognitions);
        Assert.Equal([badEnd, goodEnd], await node.ListJobsAsync());

        // The index keeps each ended job's last progress: a new node lists them as they ended.
        await node.DisposeAsync();
        await using var restarted = await MediaNode.StartAsync(Path.Combine(_directory, "data-mixed"));
        Assert.Equal([badEnd, goodEnd], await restarted.ListJobsAsync());
        Assert.Equal(goodEnd, await restarted.FindJobAsync("good"));
        Assert.Null(await restarted.FindJobAsync("nope"));
    }

    private JobSpec Spec(string id, string output) =>
        new() { JobId = id, InputPath = _sample.Path, OutputDir = Path.Combine(_directory, output) };
}
