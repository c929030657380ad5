using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Live;

/// <summary>
/// One live connection, on the node holding its socket. Audio (16 kHz PCM16) arrives with <see cref="Audio"/> and is
/// acknowledged with <see cref="Accepted"/> while less than <see cref="LiveLimits.MaxPendingAudio"/> of it awaits
/// processing — the connection reads the next frame only then, so a client faster than the recogniser is slowed by
/// TCP, not buffered without bound. The audio goes on to a <see cref="LiveStream"/> on a gpu node (any member with
/// the role; several sessions spread over them), which answers each piece with its partials and finals. The session
/// keeps the audio from the stream's <c>keep_from</c> on: if the stream or its node is lost, it opens a stream on another
/// gpu node at that sample and sends the kept audio again, so no final is lost and none repeats (a final that ends at or
/// before the last one sent is dropped). <see cref="End"/> asks for the last finals; the session then closes.
/// </summary>
public sealed partial class LiveSession : ReceiveActor
{
    private const int ChunkSamples = 8000;
    private readonly string _id;
    private readonly LiveLimits _limits;
    private readonly LiveMetrics _metrics;
    private readonly System.Threading.Channels.ChannelWriter<LiveOutput> _output;
    private readonly ActorClock _clock;
    private readonly Cluster _cluster;
    private readonly List<short> _kept = [];
    private readonly Dictionary<long, (long Samples, long SentAt)> _inFlight = [];
    private readonly HashSet<Address> _lost = [];
    private readonly Media.Diarization.OnlineSpeakers _speakers = new();
    private long _keptFrom;
    private long _received;
    private long _processed;
    private long _lastFinalEnd;
    private long _seq;
    private int _attempt;
    private int _failedStreams;
    private long _attachingSince;
    private IActorRef? _stream;
    private IActorRef? _waitingForRoom;
    private LiveEnd? _ending;
    private readonly TimeProvider _time;

    /// <summary>What the client asked of the recogniser: every stream of the session is opened with it.</summary>
    private readonly Media.Asr.RecognitionHints _hints;

    /// <summary>The trace context of the session's request (its WebSocket's), given to each of its streams.</summary>
    private readonly string _traceParent;
    private DateTimeOffset _startedAt;
    private TimeSpan _heldBack;
    private DateTimeOffset? _heldSince;

    public LiveSession(
        string id, LiveLimits limits, LiveMetrics metrics, System.Threading.Channels.ChannelWriter<LiveOutput> output, TimeProvider time, Media.Asr.RecognitionHints hints, string traceParent)
    {
        _id = id;
        _hints = hints;
        _traceParent = traceParent;
        _limits = limits;
        _metrics = metrics;
        _output = output;
        _time = time;
        _clock = new ActorClock(time, Self);
        _cluster = Cluster.Get(Context.System);
        Receive<Audio>(OnAudio);
        Receive<End>(_ => Finish(LiveEnd.Completed));
        Receive<LiveStreamStarted>(started => started.Attempt == _attempt && _stream is null, OnStarted);
        Receive<LiveStreamStarted>(_ => Sender.Tell(PoisonPill.Instance));
        Receive<LiveStreamRefused>(refused => refused.Attempt == _attempt && _stream is null, refused =>
        {
            Context.GetLogger().Info("Live session {0}: {1}", _id, refused.Reason);
            _lost.Add(Sender.Path.Address);
            Attach();
        });
        Receive<LiveAudioProcessed>(_ => Sender.Equals(_stream), OnProcessed);
        Receive<Terminated>(t => t.ActorRef.Equals(_stream), t =>
        {
            _stream = null;
            _inFlight.Clear();
            _lost.Add(t.ActorRef.Path.Address);
            Context.GetLogger().Warning("Live session {0} lost its stream on {1}; re-attaching from {2:0.00} s", _id, t.ActorRef.Path.Address, _keptFrom / 16000.0);
            Attach();
        });
        Receive<ActorClock.Tick>(tick => _clock.IsCurrent(tick), tick =>
        {
            switch (tick.Message)
            {
                case IdleCheck:
                    CheckPace();
                    break;
                case AttachAgain:
                    Attach();
                    break;
            }
        });
        Receive<ActorClock.Tick>(_ => { });
    }

    /// <summary>The next audio from the client (16 kHz PCM16); answered with <see cref="Accepted"/> when there is room for more.</summary>
    public sealed record Audio(short[] Samples);

    /// <summary>The client's end of audio.</summary>
    public sealed record End
    {
        public static End Instance { get; } = new();
    }

    /// <summary>The audio was taken; the connection may read the next frame.</summary>
    public sealed record Accepted
    {
        public static Accepted Instance { get; } = new();
    }

    public static Props Props(
        string id, LiveLimits limits, LiveMetrics metrics, System.Threading.Channels.ChannelWriter<LiveOutput> output, TimeProvider time, Media.Asr.RecognitionHints hints, string traceParent) =>
        Akka.Actor.Props.Create(() => new LiveSession(id, limits, metrics, output, time, hints, traceParent));

    private long PendingSamples => _received - _processed;

    private static long SamplesOf(TimeSpan t) => (long)(t.TotalSeconds * 16000);

    protected override void PreStart()
    {
        _attachingSince = Environment.TickCount64;
        _startedAt = _time.GetUtcNow();
        _clock.StartPeriodic("idle", IdleCheck.Instance, TimeSpan.FromTicks(Math.Clamp(_limits.IdleTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 100, TimeSpan.TicksPerSecond)));
        Attach();
    }

    protected override void PostStop()
    {
        _clock.Dispose();
        _stream?.Tell(PoisonPill.Instance);
        _output.TryComplete();
    }

    private void OnAudio(Audio audio)
    {
        if (_ending is not null)
        {
            Sender.Tell(Accepted.Instance);
            return;
        }

        var start = _received;
        _kept.AddRange(audio.Samples);
        _received += audio.Samples.Length;
        if (_stream is not null)
        {
            Send(start, audio.Samples);
        }

        if (_received >= SamplesOf(_limits.MaxSessionLength))
        {
            Sender.Tell(Accepted.Instance);
            Finish(LiveEnd.TooLong);
            return;
        }

        if (PendingSamples < SamplesOf(_limits.MaxPendingAudio))
        {
            Sender.Tell(Accepted.Instance);
        }
        else
        {
            _waitingForRoom = Sender;
            _heldSince = _time.GetUtcNow();
        }
    }

    /// <summary>
    /// A live client sends audio as it records it: once what it sent falls more than the idle limit behind the time it
    /// has been connected (the time it was held back not counted), it is closed — silence and a slow drip of bytes
    /// alike. However it paces itself, a connection ends at the session's maximum length in wall time too.
    /// </summary>
    private void CheckPace()
    {
        if (_ending is not null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var connected = now - _startedAt;
        if (connected >= _limits.MaxSessionLength)
        {
            Finish(LiveEnd.TooLong);
            return;
        }

        if (_waitingForRoom is not null)
        {
            return; // the client is silent because it is held back (the recogniser is behind or being replaced)
        }

        var audio = TimeSpan.FromSeconds(_received / 16000.0);
        var lag = connected - _heldBack - audio;
        if (lag > _limits.IdleTimeout)
        {
            _ending = LiveEnd.Idle;
            _clock.Cancel("idle");
            Close(LiveEnd.Idle, string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"the client's audio fell {lag.TotalSeconds:0} s behind real time ({audio.TotalSeconds:0.0} s sent in {(connected - _heldBack).TotalSeconds:0} s); a live client sends audio as it records it (Node:Live:IdleTimeoutSeconds is {_limits.IdleTimeout.TotalSeconds:0} s)"));
        }
    }

    private void Finish(LiveEnd reason)
    {
        if (_ending is not null)
        {
            return;
        }

        _ending = reason;
        _clock.Cancel("idle");
        _stream?.Tell(new EndLiveStream());
    }

    private void Close(LiveEnd reason, string message)
    {
        _output.TryWrite(new LiveClosedOutput(reason, message));
        Context.Stop(Self);
    }

    /// <summary>
    /// Queues a result for the connection. The queue is bounded: a client that reads nothing while it sends audio
    /// fills it, and is then cut off (its connection's writer gives up on a send that does not finish).
    /// </summary>
    private void Emit(LiveOutput output)
    {
        if (!_output.TryWrite(output))
        {
            Context.GetLogger().Warning("Live session {0}: the client reads no results (its queue is full); closing it", _id);
            Context.Stop(Self);
        }
    }

    private sealed class IdleCheck
    {
        public static readonly IdleCheck Instance = new();
    }

    private sealed class AttachAgain
    {
        public static readonly AttachAgain Instance = new();
    }
}
