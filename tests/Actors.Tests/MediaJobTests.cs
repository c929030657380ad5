using MediaCluster.Actors.Jobs;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;
using MediaCluster.Runtime.Persistence;

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
    public async Task Job_InterruptedThenNodeRestarted_ResumesByItself_RecognisesOnlyWhatWasNotRecorded_AndMatchesAnUninterruptedRun()
    {
        // Uninterrupted run.
        var reference = Spec("whole", "out-whole");
        await using (var node = await MediaNode.StartAsync(Path.Combine(_directory, "data-whole")))
        {
            var end = await node.RunAsync(reference);
            Assert.Equal(JobStates.Completed, end.State);
            Assert.Equal(end.SegmentsFound, node.Metrics.Recognitions);
        }

        // Interrupted after at least three recorded results, then resumed on a new node over the same journal.
        var spec = Spec("resumed", "out-resumed");
        var data = Path.Combine(_directory, "data-resumed");
        var firstRecognized = 0L;
        await using (var node = await MediaNode.StartAsync(data))
        {
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = node.RunAsync(spec, new InlineProgress(p =>
            {
                if (p.SegmentsTranscribed >= 3)
                {
                    enough.TrySetResult();
                }
            }));
            await enough.Task.WaitAsync(TimeSpan.FromMinutes(2));
            firstRecognized = node.Metrics.Recognitions;
            GC.KeepAlive(run);
        }

        var recorded = await CountRecordedAsync(data, "job-resumed");
        Assert.InRange(recorded, 3, 9);
        Assert.True(firstRecognized >= recorded, $"{recorded} results recorded but only {firstRecognized} recognised");

        // Remember-entities: the new node resumes the unfinished job by itself; nobody starts it again.
        await using (var node = await MediaNode.StartAsync(data))
        {
            var end = await node.WatchAsync("resumed").WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(JobStates.Completed, end.State);
            Assert.Equal(end.SegmentsFound - recorded, node.Metrics.Recognitions);
        }

        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(_directory, "out-whole", "transcript.txt")),
            await File.ReadAllTextAsync(Path.Combine(_directory, "out-resumed", "transcript.txt")));
        Assert.Equal(MediaJob.Artifacts.Order(), Directory.GetFiles(Path.Combine(_directory, "out-resumed")).Select(Path.GetFileName).Order());
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
        Assert.StartsWith($"failed: ffprobe could not read '{notMedia}' as media:", badEnd.State);
        Assert.Equal(JobStates.Completed, (await good).State);
        Assert.False(Directory.Exists(Path.Combine(_directory, "out-bad")));

        // A finished job started again stays finished and does no work.
        var before = node.Metrics.Recognitions;
        var goodEnd = await node.RunAsync(Spec("good", "out-good"));
        Assert.Equal(JobStates.Completed, goodEnd.State);
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

    private static async Task<int> CountRecordedAsync(string data, string persistenceId)
    {
        await using var store = await EventStore.OpenAsync(
            new PersistenceOptions { DataDirectory = data }, new MessageSerializer().Register(JobsReflection.Descriptor));
        return await store.ReadEventsAsync(persistenceId).CountAsync(e => e.Payload is SegmentTranscribed);
    }

    private sealed class InlineProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
