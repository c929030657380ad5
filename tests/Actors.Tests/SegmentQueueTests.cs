using Akka.Actor;
using Akka.TestKit.Xunit2;
using Google.Protobuf;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Speech;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Vad;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// Work pulling between a jobs node's <see cref="SegmentQueue"/> and the <see cref="AsrWorkers"/> of gpu nodes (here
/// in one actor system, registered by hand instead of through cluster membership).
/// </summary>
public sealed class SegmentQueueTests : TestKit
{
    private readonly SileroVad _vad = new();

    [Fact]
    public async Task DroppedJob_ItsWaitingSegmentsAreNeverRecognised_WhileOtherJobsGoOn()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recognizer = new CountingRecognizer(gate.Task);
        var queue = Sys.ActorOf(SegmentQueue.Props(new AsrMetrics()));
        Workers(queue, recognizer);
        var job = CreateTestProbe();

        for (var i = 0; i < 3; i++)
        {
            queue.Tell(Segment("a", i), job.Ref); // one slot: segment 0 is recognised, 1 and 2 wait
        }

        await recognizer.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        queue.Tell(new DropSegments("a"), job.Ref);
        queue.Tell(Segment("b", 0), job.Ref);
        gate.SetResult();

        Assert.Equal(("a", 0), Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: "the segment already being recognised")));
        Assert.Equal(("b", 0), Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: "the other job's segment, next")));
        Assert.Equal(2, recognizer.Calls);
    }

    [Fact]
    public async Task ASlowNode_TakesOneSegment_WhileAFreeNodePullsTheRest()
    {
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new CountingRecognizer(stuck.Task);
        var fast = new CountingRecognizer(Task.CompletedTask);
        var queue = Sys.ActorOf(SegmentQueue.Props(new AsrMetrics()));
        Workers(queue, slow);
        var job = CreateTestProbe();
        queue.Tell(Segment("a", 0), job.Ref);
        await slow.Entered.WaitAsync(TimeSpan.FromSeconds(30));

        Workers(queue, fast);
        for (var i = 1; i < 5; i++)
        {
            queue.Tell(Segment("a", i), job.Ref);
        }

        var answered = new List<int>();
        for (var i = 1; i < 5; i++)
        {
            answered.Add(Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: $"answer {i} of the free node")).Item2);
        }

        Assert.Equal([1, 2, 3, 4], answered);
        Assert.Equal((1, 4), (slow.Calls, fast.Calls));
        stuck.SetResult();
        Assert.Equal(("a", 0), Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: "the slow node's one segment")));
    }

    [Fact]
    public async Task WorkersGoAwayMidSegment_ItsSegmentGoesToAnotherNode_AndALateAnswerFromTheLostOneIsIgnored()
    {
        var queue = Sys.ActorOf(SegmentQueue.Props(new AsrMetrics()));
        var doomed = CreateTestProbe(); // a gpu node's workers, played by hand
        queue.Tell(new RegisterAsrWorkers(), doomed.Ref);
        var job = CreateTestProbe();
        queue.Tell(Segment("a", 7), job.Ref);
        await doomed.ExpectMsgAsync<SegmentsWaiting>(hint: "the queue announces its segment");
        queue.Tell(new RequestSegment(), doomed.Ref);
        var taken = await doomed.ExpectMsgAsync<SpeechAudio>(hint: "the segment, handed to the first node that asked");

        var other = new CountingRecognizer(Task.CompletedTask);
        Workers(queue, other);
        Sys.Stop(doomed.Ref);
        Assert.Equal(("a", 7), Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: "the segment, given back and recognised by the other node")));

        // The lost node's answer arriving after all is not passed on: the job's next message is the next segment's.
        queue.Tell(new SegmentRecognized { JobId = "a", Result = new SegmentTranscribed { Index = taken.Index, Text = "late" } }, doomed.Ref);
        queue.Tell(Segment("a", 8), job.Ref);
        Assert.Equal(("a", 8), Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: "the next segment's answer, not a duplicate")));
        Assert.Equal(2, other.Calls);
    }

    [Fact]
    public async Task ASegmentWithNoAnswerByItsDeadline_GoesBackToTheQueue_AndAnotherNodeRecognisesIt()
    {
        var clock = new Testing.ManualTimeProvider();
        var queue = Sys.ActorOf(SegmentQueue.Props(new AsrMetrics(), clock));
        var silent = CreateTestProbe(); // a node whose answer is lost (or whose engine hangs), played by hand
        queue.Tell(new RegisterAsrWorkers(), silent.Ref);
        var job = CreateTestProbe();
        var segment = Segment("a", 3);
        queue.Tell(segment, job.Ref);
        await silent.ExpectMsgAsync<SegmentsWaiting>(hint: "the queue announces its segment");
        queue.Tell(new RequestSegment(), silent.Ref);
        await silent.ExpectMsgAsync<SpeechAudio>(hint: "the segment, handed to the node that asked");

        // 0.1 s of audio: a deadline of 61 s. Just before it nothing happens; at it, the segment is announced again.
        Assert.Equal(TimeSpan.FromSeconds(61), SegmentQueue.DeadlineFor(segment));
        clock.Advance(TimeSpan.FromSeconds(60.9));
        await silent.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        clock.Advance(TimeSpan.FromSeconds(0.2));
        await silent.ExpectMsgAsync<SegmentsWaiting>(hint: "the overdue segment is waiting again");

        var other = new CountingRecognizer(Task.CompletedTask);
        Workers(queue, other);
        Assert.Equal(("a", 3), Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: "the overdue segment, recognised by the other node")));

        // The silent node's answer, arriving after all, is not passed on.
        queue.Tell(new SegmentRecognized { JobId = "a", Result = new SegmentTranscribed { Index = 3, Text = "late" } }, silent.Ref);
        await job.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, other.Calls);
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _vad.Dispose();
    }

    /// <summary>A gpu node's workers over <paramref name="recognizer"/>, registered with <paramref name="queue"/>.</summary>
    private IActorRef Workers(IActorRef queue, ISpeechRecognizer recognizer)
    {
        var workers = Sys.ActorOf(AsrWorkers.Props(new NodeEngines(() => _vad, () => recognizer), new AsrMetrics(), discover: false));
        queue.Tell(new RegisterAsrWorkers(), workers);
        return workers;
    }

    private static (string, int) Of(SegmentRecognized r) => (r.JobId, r.Result.Index);

    private static SpeechAudio Segment(string job, int index) =>
        new() { JobId = job, Index = index, StartSample = 0, EndSample = 1600, SampleRate = 16_000, Pcm = ByteString.CopyFrom(new byte[3200]) };

    /// <summary>One slot; every call waits for the gate, then answers.</summary>
    private sealed class CountingRecognizer(Task gate) : ISpeechRecognizer
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public Task Entered => _entered.Task;

        public int Calls => Volatile.Read(ref _calls);

        public string Engine => "counting";

        public string Model => "none";

        public int Concurrency => 1;

        public async Task<Recognition> RecognizeAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            _entered.TrySetResult();
            await gate;
            return new Recognition("x", [], 1);
        }

        public Task<IStreamingRecognition> StartStreamAsync(RecognitionHints hints, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
