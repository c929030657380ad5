using System.Diagnostics;

namespace MediaCluster.Actors.Tests;

/// <summary>Cancelling a task's runs: the running one's training process is killed, the queued ones dropped, and the data may be trained again.</summary>
public sealed class TrainingCancelTests() : FakeTrainingProcessTest("cancel")
{
    private string Pids => Path.Combine(Folder, "pids");

    // A training process that never ends by itself: its pid written, then a long sleep in its place.
    protected override string Script => $"echo $$ >> '{Pids}'; exec sleep 600";

    [Fact]
    public async Task TheRunningRunIsStopped_TheQueuedOneDropped_NeitherMakesAVersion_AndTheDataTrainsAgain()
    {
        var first = await DatasetAsync(5);
        var second = await DatasetAsync(6);
        var running = await Node.Training.TrainAsync("reviews", [first], "test");
        var queued = await Node.Training.TrainAsync("reviews", [second], "test");
        Assert.Equal((string.Empty, string.Empty), (running.Error, queued.Error));

        var pid = await WaitAsync(() => Task.FromResult(File.Exists(Pids) ? File.ReadAllLines(Pids).FirstOrDefault() : null), "the training process did not start");
        using var process = Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
        var runs = Path.Combine(Folder, "datasets", ".runs", "reviews");
        Assert.Single(Directory.GetDirectories(runs, running.DatasetHash + "-*"));

        var cancelled = await Node.Training.CancelAsync("reviews");
        Assert.Equal(string.Empty, cancelled.Error);
        Assert.Equal([running.DatasetHash, queued.DatasetHash], cancelled.DatasetHashes);

        var recent = await WaitAsync(
            async () => (await Node.Training.StatusAsync()) is { RunningTask.Length: 0 } status && status.Recent.Count == 2 ? status.Recent : null,
            "the two runs were not recorded as ended");
        Assert.Equal(
            [(running.DatasetHash, "cancelled", 0, "cancelled by request"), (queued.DatasetHash, "cancelled", 0, "cancelled by request, while queued")],
            recent.OrderBy(r => r.DatasetHash == queued.DatasetHash).Select(r => (r.DatasetHash, r.Status, r.Version, r.Reason)));
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the training process was not killed");
        Assert.Empty(Directory.GetDirectories(runs));
        Assert.Empty(await Node.Models.ListAsync("reviews"));

        // Nothing left to cancel; the cancelled data is trained again when asked (not "trained before").
        Assert.Equal("no run of reviews is running or queued", (await Node.Training.CancelAsync("reviews")).Error);
        var again = await Node.Training.TrainAsync("reviews", [first], "test");
        Assert.Equal((string.Empty, false, running.DatasetHash), (again.Error, again.AlreadyTrained, again.DatasetHash));
        await WaitAsync(() => Task.FromResult(File.ReadAllLines(Pids).Length == 2 ? "started" : null), "the run asked for again did not start its training process");
        Assert.Equal([running.DatasetHash], (await Node.Training.CancelAsync("reviews")).DatasetHashes);
    }
}
