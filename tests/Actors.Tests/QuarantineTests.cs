using Akka.Actor;
using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Asr;
using MediaCluster.Messages.Jobs;
using MediaCluster.Testing;

namespace MediaCluster.Actors.Tests;

public sealed class QuarantineTests() : SampleTest("mc-quarantine-", "three.wav", 3)
{
    [Fact]
    public async Task Job_WhoseIncarnationsKeepStoppingWithoutProgress_IsQuarantined_AndRetriedOnPurposeCompletes()
    {
        // Recognition hangs, so after detection nothing more is recorded; each incarnation is then stopped with no clean
        // handoff (as a crash of its node would end it: nothing recorded that it stopped) and the shard starts it again.
        var gate = new TaskCompletionSource<Recognition>(TaskCreationOptions.RunContinuationsAsynchronously);
        var logs = new CapturingLoggerProvider();
        using var factory = logs.CreateFactory();
        await using var node = await EmbeddedNode.StartAsync(
            new MediaNodeOptions { DataDirectory = Path.Combine(Folder, "data"), ShutdownTimeout = TimeSpan.FromSeconds(1) }, factory, new GatedRecognizer(gate.Task));
        var spec = new JobSpec { JobId = "poison", InputPath = Sample.Path, OutputDir = Path.Combine(Folder, "out") };
        await node.Jobs.StartAsync(spec);
        await UntilAsync(async () => (await node.Jobs.ProgressAsync("poison")).SpeechDetectionComplete, "speech detection completes");

        // The first incarnation recorded progress (probe, segments), so its crash is not counted; the next three are.
        for (var crash = 1; crash <= 4; crash++)
        {
            node.System.ActorSelection("/system/sharding/jobs/*/poison").Tell(PoisonPill.Instance);
            if (crash < 4)
            {
                var resumes = await UntilResumedAsync(logs, crash);
                Assert.Matches("^Job poison resumed while recognising speech: 0 of [1-9][0-9]* speech segments already recorded", resumes[^1]);
                Assert.Equal(
                    crash == 1 ? string.Empty : $" ({crash - 1} incarnation(s) in a row ended without progress; quarantined at 3)",
                    resumes[^1][(resumes[^1].IndexOf("recorded", StringComparison.Ordinal) + 8)..]);
            }
        }

        await logs.WaitForAsync(e => e.Message.StartsWith("Job poison quarantined", StringComparison.Ordinal), "the quarantine", TimeSpan.FromSeconds(30));
        var quarantined = await node.Jobs.FindAsync("poison");
        Assert.Equal(
            (JobState.Failed, true, "quarantined: it stopped 3 nodes while recognising speech (pbm media retry poison runs it again on purpose)"),
            (quarantined!.State, quarantined.Quarantined, quarantined.Error));
        Assert.True(File.Exists(Sample.Path), "a failed job's input is kept for a retry");

        // Retried on purpose (now that recognition answers), it runs from what it recorded and completes.
        gate.SetResult(new Recognition("hello", [], 1));
        var retried = await node.Jobs.RetryAsync("poison");
        Assert.Equal((string.Empty, JobState.Running), (retried.Refused, retried.Progress.State));
        var end = await node.Jobs.WatchAsync("poison").WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal((JobState.Completed, false, end.SegmentsFound), (end.State, end.Quarantined, end.SegmentsTranscribed));
        await UntilAsync(async () => Equals(end, await node.Jobs.FindAsync("poison")), "the job index shows the completed job"); // updated from the job's events, a moment later
        Assert.Equal("job 'poison' completed; submit its media again to process it again", (await node.Jobs.RetryAsync("poison")).Refused);
    }

    private static async Task<List<string>> UntilResumedAsync(CapturingLoggerProvider logs, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var resumes = logs.Entries.Select(e => e.Message).Where(m => m.StartsWith("Job poison resumed", StringComparison.Ordinal)).ToList();
            if (resumes.Count >= count)
            {
                return resumes;
            }

            Assert.True(DateTime.UtcNow < deadline, $"resume {count}: not within 30 s; logged:\n{string.Join("\n", logs.Entries.Select(e => e.Message))}");
            await Task.Delay(50);
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within a minute");
            await Task.Delay(50);
        }
    }
}
