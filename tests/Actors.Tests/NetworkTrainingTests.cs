namespace MediaCluster.Actors.Tests;

/// <summary>The trainer's supervision of its training process: a process that dies is started again, then the run fails saying how.</summary>
public sealed class NetworkTrainingTests() : FakeTrainingProcessTest("network")
{
    private string Starts => Path.Combine(Folder, "starts");

    // A training process that dies as libtorch does when the kernel's OOM killer takes it: a line on stderr, then SIGKILL.
    protected override string Script => $"echo started >> '{Starts}'; echo 'libtorch: out of memory' >&2; kill -KILL $$";

    [Fact]
    public async Task ATrainingProcessKilledEveryTime_IsStartedThreeTimes_ThenTheRunFailsSayingHowItEnded_AndTheNodeGoesOn()
    {
        var data = await DatasetAsync(5);
        var accepted = await Node.Training.TrainAsync("reviews", [data], "test");
        Assert.Equal(string.Empty, accepted.Error);

        var ended = await WaitAsync(async () => (await Node.Training.StatusAsync()).Recent.FirstOrDefault(r => r.Task == "reviews"), "the run did not end");
        Assert.Equal(
            ("failed", 0, "the training process failed 3 times; the last was killed by signal 9: libtorch: out of memory"),
            (ended.Status, ended.Version, ended.Reason));
        Assert.Equal(3, (await File.ReadAllLinesAsync(Starts)).Length);
        Assert.Empty(await Node.Models.ListAsync("reviews"));

        // The node and its trainer go on: the same dataset is not run again, and the trainer is idle.
        var again = await Node.Training.TrainAsync("reviews", [data], "test");
        Assert.Equal((true, 0), (again.AlreadyTrained, again.Version));
        Assert.Equal("idle", (await Node.Training.StatusAsync()).Phase);
    }
}
