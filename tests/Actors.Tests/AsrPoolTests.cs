using Akka.TestKit.Xunit2;
using Google.Protobuf;
using MediaCluster.Actors.Workers;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Vad;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

public sealed class AsrPoolTests : TestKit
{
    [Fact]
    public async Task DroppedJob_ItsWaitingSegmentsAreNeverRecognised_WhileOtherJobsGoOn()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recognizer = new CountingRecognizer(gate.Task);
        using var vad = new SileroVad();
        var pool = Sys.ActorOf(AsrPool.Props(new NodeEngines(vad, recognizer), new AsrMetrics()));
        var job = CreateTestProbe();

        for (var i = 0; i < 3; i++)
        {
            pool.Tell(Segment("a", i), job.Ref); // one slot: segment 0 is recognised, 1 and 2 wait
        }

        await recognizer.Entered.WaitAsync(TimeSpan.FromSeconds(30));
        pool.Tell(new DropSegments("a"), job.Ref);
        pool.Tell(Segment("b", 0), job.Ref);
        gate.SetResult();

        Assert.Equal(("a", 0), Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: "the segment already being recognised")));
        Assert.Equal(("b", 0), Of(await job.ExpectMsgAsync<SegmentRecognized>(hint: "the other job's segment, next")));
        Assert.Equal(2, recognizer.Calls);
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

        public Task<IStreamingRecognition> StartStreamAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
