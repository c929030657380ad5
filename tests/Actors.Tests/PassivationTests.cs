using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;
using MediaCluster.Testing;

namespace MediaCluster.Actors.Tests;

public sealed class PassivationTests : IDisposable
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(5);
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-passivate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task EndedJob_LeavesMemoryWhenIdle_IsListedFromTheIndex_AndWakesWhenFollowed()
    {
        var clock = new ManualTimeProvider();
        await using var node = await EmbeddedNode.StartAsync(
            new MediaNodeOptions { DataDirectory = Path.Combine(_directory, "data"), TimeProvider = clock, PassivateAfter = Idle });
        var clip = SpeechSampleMaker.LibriVoxClips()[1].Path;
        var end = await node.Jobs.RunAsync(new JobSpec { JobId = "done", InputPath = clip, OutputDir = Path.Combine(_directory, "out") });
        Assert.Equal(JobState.Completed, end.State);
        Assert.Equal(1, await node.Jobs.InMemoryAsync());
        await UntilAsync(async () => (await node.Jobs.EndedIdsAsync()).Contains("done"), "the index records the job as ended");

        await clock.WaitForTimerAsync(delay => delay == Idle, "the ended job's idle timer");
        clock.Advance(Idle);
        await UntilAsync(async () => await node.Jobs.InMemoryAsync() == 0, "the ended job is passivated");

        Assert.Equal([end], (await node.Jobs.ListAsync()).Jobs);
        Assert.Equal(end, await node.Jobs.FindAsync("done"));
        Assert.Equal(0, await node.Jobs.InMemoryAsync());

        Assert.Equal(end, await node.Jobs.WatchAsync("done").WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, await node.Jobs.InMemoryAsync());
    }

    /// <summary>Waits for a condition that follows from messages already sent (bounded, so a miss fails clearly).</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within 30 s");
            await Task.Delay(10);
        }
    }
}
