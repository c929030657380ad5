using System.Diagnostics;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Training;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>Cancelling a task's runs: the running one's training process is killed, the queued ones dropped, and the data may be trained again.</summary>
public sealed class TrainingCancelTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-cancel-").FullName;
    private EmbeddedNode _node = null!;

    private string Pids => Path.Combine(_directory, "pids");

    public async Task InitializeAsync() =>
        _node = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            DatasetsDirectory = Path.Combine(_directory, "datasets"),

            // A training process that never ends by itself: its pid written, then a long sleep in its place.
            NetworkTrainer = ["/bin/sh", "-c", $"echo $$ >> '{Pids}'; exec sleep 600", "training-process"],
        });

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheRunningRunIsStopped_TheQueuedOneDropped_NeitherMakesAVersion_AndTheDataTrainsAgain()
    {
        Assert.True(await _node.Models.DefineTaskAsync(new TaskDefinition("reviews", "text", ["positive", "negative", "neutral"], 0, "{\"trainer\":\"mlp-head\",\"epochs\":2}", DateTimeOffset.UtcNow)));
        var first = await TextSamples.WriteDatasetAsync(Path.Combine(_directory, "first"), perLabel: 10, seed: 5);
        var second = await TextSamples.WriteDatasetAsync(Path.Combine(_directory, "second"), perLabel: 10, seed: 6);
        var running = await _node.Training.TrainAsync("reviews", [first], "test");
        var queued = await _node.Training.TrainAsync("reviews", [second], "test");
        Assert.Equal((string.Empty, string.Empty), (running.Error, queued.Error));

        var pid = await WaitAsync(() => File.Exists(Pids) ? File.ReadAllLines(Pids).FirstOrDefault() : null, "the training process did not start");
        using var process = Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
        var runs = Path.Combine(_directory, "datasets", ".runs", "reviews");
        Assert.Single(Directory.GetDirectories(runs, running.DatasetHash + "-*"));

        var cancelled = await _node.Training.CancelAsync("reviews");
        Assert.Equal(string.Empty, cancelled.Error);
        Assert.Equal([running.DatasetHash, queued.DatasetHash], cancelled.DatasetHashes);

        var recent = await WaitAsync(
            async () => (await _node.Training.StatusAsync()) is { RunningTask.Length: 0 } status && status.Recent.Count == 2 ? status.Recent : null,
            "the two runs were not recorded as ended");
        Assert.Equal(
            [(running.DatasetHash, "cancelled", 0, "cancelled by request"), (queued.DatasetHash, "cancelled", 0, "cancelled by request, while queued")],
            recent.OrderBy(r => r.DatasetHash == queued.DatasetHash).Select(r => (r.DatasetHash, r.Status, r.Version, r.Reason)));
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the training process was not killed");
        Assert.Empty(Directory.GetDirectories(runs));
        Assert.Empty(await _node.Models.ListAsync("reviews"));

        // Nothing left to cancel; the cancelled data is trained again when asked (not "trained before").
        Assert.Equal("no run of reviews is running or queued", (await _node.Training.CancelAsync("reviews")).Error);
        var again = await _node.Training.TrainAsync("reviews", [first], "test");
        Assert.Equal((string.Empty, false, running.DatasetHash), (again.Error, again.AlreadyTrained, again.DatasetHash));
        await WaitAsync(() => File.ReadAllLines(Pids).Length == 2 ? "started" : null, "the run asked for again did not start its training process");
        Assert.Equal([running.DatasetHash], (await _node.Training.CancelAsync("reviews")).DatasetHashes);
    }

    private static Task<T> WaitAsync<T>(Func<T?> probe, string failure) where T : class => WaitAsync(() => Task.FromResult(probe()), failure);

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string failure) where T : class
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{failure} within 2 minutes");
            await Task.Delay(100);
        }
    }
}
