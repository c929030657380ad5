using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Asr;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

public sealed class RetryTests() : SampleTest("mc-retry-", "two.wav", 2)
{
    [Fact]
    public async Task Job_TransientRecognitionFailures_AreRetriedAndTheJobCompletes()
    {
        var recognizer = new ScriptedRecognizer(failures: 2);
        await using var node = await EmbeddedNode.StartAsync(Path.Combine(Folder, "data-a"), recognizer: recognizer);
        var end = await node.Jobs.RunAsync(new JobSpec { JobId = "flaky", InputPath = Sample.Path, OutputDir = Path.Combine(Folder, "out-a") });
        Assert.Equal(JobState.Completed, end.State);
        Assert.Equal(end.SegmentsFound + 2, recognizer.Calls);
        Assert.Equal(end.SegmentsFound, end.SegmentsTranscribed);
    }

    [Fact]
    public async Task Job_PersistentRecognitionFailure_FailsTheJobNamingTheSegment()
    {
        var recognizer = new ScriptedRecognizer(failures: int.MaxValue);
        await using var node = await EmbeddedNode.StartAsync(Path.Combine(Folder, "data-b"), recognizer: recognizer);
        var end = await node.Jobs.RunAsync(new JobSpec { JobId = "broken", InputPath = Sample.Path, OutputDir = Path.Combine(Folder, "out-b") });
        Assert.Equal(JobState.Failed, end.State);
        Assert.Matches(@"^recognising segment \d+ failed 4 times: decoder exploded$", end.Error);
        Assert.False(Directory.Exists(Path.Combine(Folder, "out-b")));
    }

    /// <summary>Fails its first calls, then answers with a fixed text (a unit double for the engine).</summary>
    private sealed class ScriptedRecognizer(int failures) : ISpeechRecognizer
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public string Engine => "scripted";

        public string Model => "none";

        public int Concurrency => 2;

        public Task<Recognition> RecognizeAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default)
        {
            var call = Interlocked.Increment(ref _calls);
            return call <= failures
                ? Task.FromException<Recognition>(new InvalidOperationException("decoder exploded"))
                : Task.FromResult(new Recognition("hello world", [], 1));
        }

        public Task<IStreamingRecognition> StartStreamAsync(RecognitionHints hints, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}

public sealed class CancelTests() : SampleTest("mc-cancel-", "three.wav", 3)
{
    [Fact]
    public async Task Cancel_WhileRecognising_RecordsCancelledAndWritesNothing()
    {
        var gate = new TaskCompletionSource<Recognition>(TaskCreationOptions.RunContinuationsAsynchronously);
        var recognizer = new GatedRecognizer(gate.Task);
        await using var node = await EmbeddedNode.StartAsync(Path.Combine(Folder, "data"), recognizer: recognizer);
        using var cancel = new CancellationTokenSource();
        var recognising = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = node.Jobs.RunAsync(
            new JobSpec { JobId = "stop-me", InputPath = Sample.Path, OutputDir = Path.Combine(Folder, "out") },
            new InlineProgress(p =>
            {
                if (p.SegmentsFound >= 1)
                {
                    recognising.TrySetResult();
                }
            }),
            cancel.Token);
        await recognising.Task.WaitAsync(TimeSpan.FromMinutes(1));
        cancel.Cancel();
        var end = await run.WaitAsync(TimeSpan.FromMinutes(1));
        gate.SetResult(new Recognition("late", [], 1));
        Assert.Equal((JobState.Cancelled, "cancelled by the caller"), (end.State, end.Error));
        Assert.Equal(0, end.SegmentsTranscribed);
        Assert.False(Directory.Exists(Path.Combine(Folder, "out")));
    }

    [Fact]
    public async Task Dispose_WithAHungRecognition_StopsAfterTheTimeout_AndLeavesTheEngineOpen()
    {
        var never = new TaskCompletionSource<Recognition>();
        var recognizer = new GatedRecognizer(never.Task);
        var logs = new Testing.CapturingLoggerProvider();
        using var factory = logs.CreateFactory();
        var node = await EmbeddedNode.StartAsync(
            new MediaNodeOptions { DataDirectory = Path.Combine(Folder, "data-hung"), ShutdownTimeout = TimeSpan.FromMilliseconds(200) }, factory, recognizer);
        await node.Jobs.StartAsync(new JobSpec { JobId = "hung", InputPath = Sample.Path, OutputDir = Path.Combine(Folder, "out-hung") });
        await recognizer.Entered.WaitAsync(TimeSpan.FromMinutes(1));

        await node.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.False(recognizer.Disposed, "an engine still in use must not be freed");
        Assert.Contains(logs.Entries, e => e.Message.StartsWith("An engine call was still running 00:00:00.2", StringComparison.Ordinal));
    }
}

public sealed class ResumeAfterDetectionTests() : SampleTest("mc-resume-", "five.wav", 5)
{
    [Fact]
    public async Task Node_StoppedAfterDetectionCompleted_WithResultsMissing_ResumesAndRecognisesOnlyTheMissingOnes()
    {
        // The first node answers two recognitions and hangs on the rest: detection completes (all five segments
        // found) while three results are still missing, and then the node goes away.
        var data = Path.Combine(Folder, "data");
        var spec = new JobSpec { JobId = "late", InputPath = Sample.Path, OutputDir = Path.Combine(Folder, "out") };
        var first = new PartlyHungRecognizer(answered: 2);
        var node = await EmbeddedNode.StartAsync(new MediaNodeOptions { DataDirectory = data, ShutdownTimeout = TimeSpan.FromMilliseconds(200) }, recognizer: first);
        var detected = new TaskCompletionSource<JobProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = node.Jobs.RunAsync(spec, new InlineProgress(p =>
        {
            if (p.SpeechDetectionComplete && p.SegmentsTranscribed == 2)
            {
                detected.TrySetResult(p);
            }
        }));
        var before = await detected.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(5, before.SegmentsFound);
        await node.DisposeAsync();

        // A new node over the same journal: remember-entities wakes the job, which decodes again for the lost audio.
        var second = new PartlyHungRecognizer(answered: int.MaxValue);
        await using var restarted = await EmbeddedNode.StartAsync(new MediaNodeOptions { DataDirectory = data }, recognizer: second);
        var end = await restarted.Jobs.WatchAsync("late").WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal((JobState.Completed, 5, 5), (end.State, end.SegmentsFound, end.SegmentsTranscribed));
        Assert.Equal(3, second.Calls);
    }

    /// <summary>Answers its first calls with a fixed text; later calls never return.</summary>
    private sealed class PartlyHungRecognizer(int answered) : ISpeechRecognizer
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public string Engine => "scripted";

        public string Model => "none";

        public int Concurrency => 2;

        public Task<Recognition> RecognizeAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _calls) <= answered
                ? Task.FromResult(new Recognition("words", [], 1))
                : new TaskCompletionSource<Recognition>().Task;

        public Task<IStreamingRecognition> StartStreamAsync(RecognitionHints hints, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}

public sealed class TransientFailureTests() : SampleTest("mc-transient-", "two.wav", 2)
{
    [Fact]
    public async Task Results_ThatCannotBeWrittenForAWhile_AreTriedAgain_AndTheJobCompletesOnceTheyCan()
    {
        // A file where the results' folder should be: writing fails (as on a full or read-only disk) until it is gone.
        var blocker = Path.Combine(Folder, "blocker");
        await File.WriteAllTextAsync(blocker, "in the way");
        var logs = new Testing.CapturingLoggerProvider();
        using var factory = logs.CreateFactory();
        await using var node = await EmbeddedNode.StartAsync(new MediaNodeOptions { DataDirectory = Path.Combine(Folder, "data") }, factory);
        await node.Jobs.StartAsync(new JobSpec { JobId = "blocked", InputPath = Sample.Path, OutputDir = Path.Combine(blocker, "out") });

        var warning = await logs.WaitForAsync(
            e => e.Message.StartsWith($"Job blocked: writing the results to '{Path.Combine(blocker, "out")}' failed: ", StringComparison.Ordinal),
            "the first failed write", TimeSpan.FromMinutes(3));
        Assert.EndsWith("; trying again in 1 s (attempt 2 of 8)", warning.Message);
        Assert.Equal(JobState.Running, (await node.Jobs.ProgressAsync("blocked")).State);
        File.Delete(blocker);

        var end = await node.Jobs.WatchAsync("blocked").WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal((JobState.Completed, string.Empty), (end.State, end.Error));
        Assert.True(File.Exists(Path.Combine(blocker, "out", "transcript.txt")));
    }
}
