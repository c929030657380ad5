using System.Runtime.InteropServices;
using Akka.Actor;
using Google.Protobuf;
using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Vad;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>
/// One job's VAD on a gpu node: Silero VAD (<see cref="SpeechFinder"/>) over the audio the job's decoder streams here,
/// asking for the next chunk only while fewer segments than the job allowed (<see cref="StartVad.Segments"/>) are
/// unsettled, so the decoder, and ffmpeg behind it, wait while recognition is behind. Each segment's span goes to the
/// job; its audio stays here until the job settles it, and goes into this node's <see cref="SegmentQueue"/> (which every
/// gpu node's free ASR slots pull) each time the job asks for its recognition, with
/// the answer addressed to the job. Everything from a peer is checked: a message from anyone but the job or its
/// decoder, audio out of order or of a bad size, ends the session with <see cref="VadFailed"/> naming it.
/// </summary>
internal sealed class VadSession : ReceiveActor
{
    /// <summary>Chunks of audio (one second each) asked for ahead of the VAD.</summary>
    public const int ChunksAhead = 4;

    private const int MaxChunkBytes = 2 * AudioStreamer.ChunkSamples * sizeof(short);

    private readonly Dictionary<int, SpeechAudio> _held = [];
    private readonly List<object> _early = [];
    private readonly string _jobId;
    private readonly IActorRef _job;
    private readonly NodeEngines _engines;
    private readonly IActorRef _segments;
    private SpeechFinder? _finder;
    private IDisposable? _lease;
    private IActorRef? _decoder;
    private int _credit;
    private int _owed;
    private bool _queued;
    private bool _started;

    /// <summary>The job's trace context (from <see cref="StartVad"/>), carried by each segment to its worker.</summary>
    private string _traceParent = string.Empty;
    private DateTimeOffset _startedAt;

    public VadSession(string jobId, IActorRef job, NodeEngines engines, IActorRef segments)
    {
        _jobId = jobId;
        _job = job;
        _engines = engines;
        _segments = segments;
        Receive<StartVad>(start => FromJob(() => Start(start)));
        Receive<DecodedAudio>(audio => Audio(audio, () => Take(audio)));
        Receive<AudioEnded>(ended => Audio(ended, () => End(ended)));
        Receive<RecognizeSegment>(recognize => FromJob(() =>
        {
            if (_held.TryGetValue(recognize.Index, out var audio))
            {
                _queued = true;
                _segments.Tell(audio, _job);
            }
        }));
        Receive<SegmentSettled>(settled => FromJob(() =>
        {
            _held.Remove(settled.Index);
            Demand();
        }));
        Receive<StopVad>(_ => FromJob(() => Context.Stop(Self)));
        Receive<Terminated>(_ => Context.Stop(Self)); // the job's node is gone
    }

    public static Props Props(string jobId, IActorRef job, NodeEngines engines, IActorRef segments) =>
        Akka.Actor.Props.Create(() => new VadSession(jobId, job, engines, segments));

    protected override void PreStart()
    {
        Context.Watch(_job);
        _job.Tell(new VadSessionOpened { JobId = _jobId });
    }

    protected override void PostStop()
    {
        _finder?.Dispose();
        _lease?.Dispose();
        if (_queued)
        {
            _segments.Tell(new DropSegments(_jobId));
        }
    }

    private void FromJob(Action handle)
    {
        if (Sender.Equals(_job))
        {
            handle();
        }
    }

    /// <summary>Audio before <see cref="StartVad"/> (the decoder and the job are two senders) waits; then only the decoder's counts.</summary>
    private void Audio(object message, Action handle)
    {
        _decoder ??= Sender;
        if (!Sender.Equals(_decoder))
        {
            Fail($"audio came from {Sender.Path}, not from the job's decoder");
        }
        else if (!_started)
        {
            if (_early.Count >= ChunksAhead + 1)
            {
                Fail("the decoder sent more audio than was asked for");
                return;
            }

            _early.Add(message);
        }
        else
        {
            handle();
        }
    }

    private void Start(StartVad start)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        _traceParent = start.TraceParent;
        _startedAt = DateTimeOffset.UtcNow;
        _lease = _engines.Use();
        _credit = Math.Clamp(start.Segments, 1, 1024);
        try
        {
            _finder = new SpeechFinder(_engines.Vad, resume: start.Resume?.ToCheckpoint());
        }
        catch (ArgumentException ex)
        {
            Fail($"the job's VAD checkpoint is unusable: {ex.Message}");
            return;
        }

        foreach (var early in _early)
        {
            if (early is DecodedAudio audio)
            {
                Take(audio);
            }
            else
            {
                End((AudioEnded)early);
            }
        }

        _early.Clear();
    }

    private void Take(DecodedAudio audio)
    {
        if (_finder is null)
        {
            return; // VAD ended
        }

        if (audio.StartSample != _finder.NextSample || audio.Pcm.Length % 2 != 0 || audio.Pcm.Length is 0 or > MaxChunkBytes)
        {
            Fail($"the decoder sent {audio.Pcm.Length} bytes at sample {audio.StartSample}; expected up to {MaxChunkBytes} (even) at {_finder.NextSample}");
            return;
        }

        if (Find(() => _finder.Push(MemoryMarshal.Cast<byte, short>(audio.Pcm.Span))))
        {
            _owed++;
            Demand();
        }
    }

    private void End(AudioEnded ended)
    {
        if (_finder is null)
        {
            return;
        }

        if (ended.TotalSamples != _finder.NextSample)
        {
            Fail($"the audio ended at sample {ended.TotalSamples}, but {_finder.NextSample} samples arrived");
            return;
        }

        if (Find(_finder.Flush))
        {
            _job.Tell(new VadEnded { SegmentCount = _finder.NextIndex, TotalSamples = ended.TotalSamples });
            Telemetry.Record(
                "speech.detection", _traceParent, _startedAt, DateTimeOffset.UtcNow,
                ("mediacluster.job_id", _jobId), ("mediacluster.segments", _finder.NextIndex), ("mediacluster.node", Telemetry.NodeOf(Context.System)));
            _finder.Dispose();
            _finder = null;
            _lease?.Dispose();
            _lease = null;
        }
    }

    /// <summary>Runs the VAD; each segment found goes to the job, its audio is held. False (and the session ends) if the model failed.</summary>
    private bool Find(Func<IReadOnlyList<SpeechSegment>> run)
    {
        IReadOnlyList<SpeechSegment> found;
        try
        {
            found = run();
        }
        catch (Exception ex)
        {
            Fail($"speech detection failed: {ex.Message}");
            return false;
        }

        foreach (var segment in found)
        {
            _held[segment.Index] = new SpeechAudio
            {
                JobId = _jobId,
                Index = segment.Index,
                StartSample = segment.StartSample,
                EndSample = segment.EndSample,
                SampleRate = Media.Ffmpeg.AudioChunk.SampleRate,
                Pcm = ByteString.CopyFrom(MemoryMarshal.AsBytes((segment.Samples ?? []).AsSpan())),
                TraceParent = _traceParent,
            };
            _job.Tell(new SpeechSegmentDetected
            {
                JobId = _jobId,
                Index = segment.Index,
                StartSample = segment.StartSample,
                EndSample = segment.EndSample,
                Resume = segment.Resume?.ToMessage(),
            });
        }

        return true;
    }

    /// <summary>Asks the decoder for the chunks owed while the job allows more unsettled segments.</summary>
    private void Demand()
    {
        if (_owed > 0 && _held.Count < _credit && _decoder is not null)
        {
            _decoder.Tell(new RequestAudio { Count = _owed });
            _owed = 0;
        }
    }

    private void Fail(string reason)
    {
        _job.Tell(new VadFailed { Reason = reason });
        Context.Stop(Self);
    }
}
