using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Training;
using MediaCluster.Media.Samples;

namespace MediaCluster.Actors.Tests;

/// <summary>The trainer's supervision of its training process: a process that dies is started again, then the run fails saying how.</summary>
public sealed class NetworkTrainingTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-network-").FullName;
    private EmbeddedNode _node = null!;

    private string Starts => Path.Combine(_directory, "starts");

    public async Task InitializeAsync() =>
        _node = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            DatasetsDirectory = Path.Combine(_directory, "datasets"),

            // A training process that dies as libtorch does when the kernel's OOM killer takes it: a line on stderr, then SIGKILL.
            NetworkTrainer = ["/bin/sh", "-c", $"echo started >> '{Starts}'; echo 'libtorch: out of memory' >&2; kill -KILL $$", "training-process"],
        });

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ATrainingProcessKilledEveryTime_IsStartedThreeTimes_ThenTheRunFailsSayingHowItEnded_AndTheNodeGoesOn()
    {
        Assert.True(await _node.Models.DefineTaskAsync(new TaskDefinition("reviews", "text", ["positive", "negative", "neutral"], 0, "{\"trainer\":\"mlp-head\",\"epochs\":2}", DateTimeOffset.UtcNow)));
        var data = await TextSamples.WriteDatasetAsync(Path.Combine(_directory, "text"), perLabel: 10, seed: 5);
        var accepted = await _node.Training.TrainAsync("reviews", [data], "test");
        Assert.Equal(string.Empty, accepted.Error);

        var deadline = DateTime.UtcNow.AddMinutes(2);
        Messages.Jobs.TrainingFinished? ended;
        while ((ended = (await _node.Training.StatusAsync()).Recent.FirstOrDefault(r => r.Task == "reviews")) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the run did not end within 2 minutes");
            await Task.Delay(100);
        }

        Assert.Equal(
            ("failed", 0, "the training process failed 3 times; the last was killed by signal 9: libtorch: out of memory"),
            (ended.Status, ended.Version, ended.Reason));
        Assert.Equal(3, (await File.ReadAllLinesAsync(Starts)).Length);
        Assert.Empty(await _node.Models.ListAsync("reviews"));

        // The node and its trainer go on: the same dataset is not run again, and the trainer is idle.
        var again = await _node.Training.TrainAsync("reviews", [data], "test");
        Assert.Equal((true, 0), (again.AlreadyTrained, again.Version));
        Assert.Equal("idle", (await _node.Training.StatusAsync()).Phase);
    }
}
