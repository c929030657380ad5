using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Google.Protobuf;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Speech;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Vad;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// A job's VAD on a gpu node: a jobs node's <see cref="VadQueue"/> handing jobs to the <see cref="VadWorkers"/> that
/// pull them (in one actor system, registered by hand instead of through cluster membership), and the session a worker
/// opens: demand, segments held until settled, the checks on what peers send. Probes stand for the job, its decoder and
/// the gpu node's segment queue.
/// </summary>
public sealed class VadSessionTests : TestKit, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mc-vad-").FullName;
    private readonly NodeEngines _engines = new(() => new SileroVad(), () => throw new InvalidOperationException("no recogniser here"));
    private short[] _audio = [];

    public async Task InitializeAsync()
    {
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(_folder, "three.wav"), TimeSpan.Zero, clipCount: 3);
        var audio = new List<short>();
        await foreach (var chunk in AudioDecoder.DecodeAsync(sample.Path))
        {
            audio.AddRange(chunk.Samples);
        }

        _audio = [.. audio];
    }

    public async Task DisposeAsync()
    {
        Shutdown();
        await _engines.CloseAsync(TimeSpan.FromSeconds(10));
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Queue_HandsAJobToAFreeNode_AsFromTheJob_GivesItBackIfThatNodeGoesFirst_AndForgetsAWithdrawnOne()
    {
        var queue = Sys.ActorOf(VadQueue.Props(new VadMetrics(1)));
        var job = CreateTestProbe();
        queue.Tell(new VadWanted { JobId = "a" }, job.Ref);
        queue.Tell(new VadWanted { JobId = "a" }, job.Ref); // asked twice: waits once

        var first = CreateTestProbe();
        queue.Tell(new RegisterVadWorkers(), first.Ref);
        await first.ExpectMsgAsync<VadWaiting>(hint: "a registering node hears that a job waits");
        queue.Tell(new RequestVad(), first.Ref);
        Assert.Equal("a", (await first.ExpectMsgAsync<VadWanted>()).JobId);
        Assert.Equal(job.Ref, first.LastSender);

        // The node goes away before a session opened: the job goes to the next node.
        var second = CreateTestProbe();
        queue.Tell(new RegisterVadWorkers(), second.Ref);
        await StopAsync(first);
        await second.ExpectMsgAsync<VadWaiting>(hint: "the job given back is announced");
        queue.Tell(new RequestVad(), second.Ref);
        Assert.Equal("a", (await second.ExpectMsgAsync<VadWanted>()).JobId);
        queue.Tell(new RequestVad(), second.Ref);
        await second.ExpectMsgAsync<NoVad>(hint: "the job waited once, so it is handed once");

        // Its session opened: the job is no longer the queue's; a withdrawn request is not handed out.
        queue.Tell(VadTaken.Instance, job.Ref);
        var other = CreateTestProbe();
        queue.Tell(new VadWanted { JobId = "b" }, other.Ref);
        await second.ExpectMsgAsync<VadWaiting>();
        queue.Tell(WithdrawVad.Instance, other.Ref);
        await StopAsync(second);
        var third = CreateTestProbe();
        queue.Tell(new RegisterVadWorkers(), third.Ref);
        queue.Tell(new RequestVad(), third.Ref);
        await third.ExpectMsgAsync<NoVad>(hint: "neither the taken nor the withdrawn job is handed out");
    }

    [Fact]
    public async Task Session_FindsSpeechAsAudioArrives_RunsNoFurtherAheadThanTheJobAllows_AndQueuesASegmentOnlyWhenAsked()
    {
        var (job, session, segments) = await OpenSessionAsync();
        var decoder = CreateTestProbe();
        session.Tell(new StartVad { Segments = 1 }, job.Ref);

        // Chunks as the session asks (four to begin with), until a segment is found: then it asks for no more.
        var sent = 0;
        var demand = FirstChunks;
        SpeechSegmentDetected? detected = null;
        while (detected is null)
        {
            for (; demand > 0; demand--)
            {
                session.Tell(Chunk(sent++), decoder.Ref);
            }

            await AwaitConditionAsync(() => Task.FromResult(job.HasMessages || decoder.HasMessages), TimeSpan.FromSeconds(30));
            if (job.HasMessages)
            {
                detected = await job.ExpectMsgAsync<SpeechSegmentDetected>();
            }

            while (decoder.HasMessages)
            {
                demand += ((RequestAudio)(await decoder.ReceiveOneAsync(TimeSpan.Zero))!).Count;
            }
        }

        Assert.Equal(0, detected.Index);
        Assert.NotNull(detected.Resume);
        Assert.Equal(1, detected.Resume.NextIndex);
        await segments.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        session.Tell(new RecognizeSegment { Index = 0 }, job.Ref);
        var audio = await segments.ExpectMsgAsync<SpeechAudio>();
        Assert.Equal((detected.StartSample, detected.EndSample, (int)(detected.EndSample - detected.StartSample) * 2), (audio.StartSample, audio.EndSample, audio.Pcm.Length));
        Assert.Equal(job.Ref, segments.LastSender);
        Assert.Equal(_audio.AsSpan((int)audio.StartSample, (int)(audio.EndSample - audio.StartSample)).ToArray(), MemoryMarshal.Cast<byte, short>(audio.Pcm.Span).ToArray());

        // Held at one unsettled segment; settling it lets the audio flow again.
        while (decoder.HasMessages)
        {
            await decoder.ReceiveOneAsync(TimeSpan.Zero);
        }

        for (; demand > 0; demand--)
        {
            session.Tell(Chunk(sent++), decoder.Ref);
        }

        await decoder.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        session.Tell(new SegmentSettled { Index = 0 }, job.Ref);
        Assert.True((await decoder.ExpectMsgAsync<RequestAudio>(hint: "the settled segment's credit goes back")).Count > 0);
    }

    [Theory]
    [InlineData("another sender", "not from the job's decoder")]
    [InlineData("a gap", "expected up to 64000 (even) at 16000")]
    [InlineData("an odd length", "expected up to 64000 (even) at 16000")]
    [InlineData("a wrong end", "the audio ended at sample 99, but 16000 samples arrived")]
    public async Task Session_AudioThatIsNotTheDecodersInOrder_EndsItNamingWhy(string what, string reason)
    {
        var (job, session, _) = await OpenSessionAsync();
        var decoder = CreateTestProbe();
        session.Tell(new StartVad { Segments = 4 }, job.Ref);
        session.Tell(Chunk(0), decoder.Ref);
        Watch(session);
        switch (what)
        {
            case "another sender":
                session.Tell(Chunk(1), CreateTestProbe().Ref);
                break;
            case "a gap":
                session.Tell(Chunk(2), decoder.Ref);
                break;
            case "an odd length":
                session.Tell(new DecodedAudio { StartSample = 16_000, Pcm = ByteString.CopyFrom(new byte[3]) }, decoder.Ref);
                break;
            default:
                session.Tell(new AudioEnded { TotalSamples = 99 }, decoder.Ref);
                break;
        }

        Assert.Contains(reason, (await job.ExpectMsgAsync<VadFailed>(hint: what)).Reason, StringComparison.Ordinal);
        await ExpectTerminatedAsync(session);
    }

    /// <summary>The chunks a session lets its decoder send before asking (its ChunksAhead).</summary>
    private const int FirstChunks = 4;

    private async Task StopAsync(TestProbe probe)
    {
        Watch(probe.Ref);
        Sys.Stop(probe.Ref);
        await ExpectTerminatedAsync(probe.Ref);
    }

    private DecodedAudio Chunk(int second) => new()
    {
        StartSample = second * 16_000L,
        Pcm = ByteString.CopyFrom(MemoryMarshal.AsBytes(_audio.AsSpan(second * 16_000, Math.Min(16_000, _audio.Length - (second * 16_000))))),
    };

    /// <summary>A queue with one waiting job, a gpu node's workers pulling it; returns the job, its session, the node's segment queue.</summary>
    private async Task<(TestProbe Job, IActorRef Session, TestProbe Segments)> OpenSessionAsync()
    {
        var queue = Sys.ActorOf(VadQueue.Props(new VadMetrics(1)));
        var segments = CreateTestProbe();
        var workers = Sys.ActorOf(VadWorkers.Props(_engines, new VadMetrics(1), segments.Ref, discover: false));
        queue.Tell(new RegisterVadWorkers(), workers);
        var job = CreateTestProbe();
        queue.Tell(new VadWanted { JobId = "a" }, job.Ref);
        Assert.Equal("a", (await job.ExpectMsgAsync<VadSessionOpened>(TimeSpan.FromSeconds(30))).JobId);
        return (job, job.LastSender, segments);
    }
}
