using Akka.Actor;
using Akka.Event;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>A job ended: its segments still waiting for a worker are dropped (those being recognised finish).</summary>
public sealed record DropSegments(string JobId);

/// <summary>
/// A jobs node's speech segments waiting for recognition, pulled by the ASR workers of every gpu node
/// (<see cref="AsrWorkers"/>, registered with <see cref="RegisterAsrWorkers"/>): the queue announces
/// <see cref="SegmentsWaiting"/>, a node with a free slot asks with <see cref="RequestSegment"/> and gets one
/// segment or <see cref="NoSegment"/>. A busy or slow node asks less often, so it takes less. A node that goes away
/// (death watch: it stopped, or the cluster removed it) gives its segments back to the front of the queue for another
/// node; the job records each result once, by index. A segment with no answer by its deadline
/// (<see cref="DeadlineFor"/>: a lost message, a hung engine) goes back to the front of the queue likewise. Answers go
/// back to the job that sent the segment.
/// </summary>
public sealed class SegmentQueue : ReceiveActor
{
    /// <summary>The queue's name under /user on every jobs node (where gpu nodes find it).</summary>
    public const string Name = "asr";

    private readonly ActorClock _clock;

    private readonly LinkedList<(SpeechAudio Audio, IActorRef ReplyTo)> _waiting = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<(string JobId, int Index), (SpeechAudio Audio, IActorRef ReplyTo, IActorRef Workers)> _inFlight = [];
    private readonly HashSet<IActorRef> _workers = [];
    private readonly AsrMetrics _metrics;

    public SegmentQueue(AsrMetrics metrics, TimeProvider? time = null)
    {
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
        _clock = new ActorClock(_time, Self);
        Receive<SpeechAudio>(audio =>
        {
            audio.QueuedUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(); // for the segment's queue wait, measured by its worker
            _waiting.AddLast((audio, Sender));
            Announce();
        });
        Receive<DropSegments>(drop =>
        {
            for (var node = _waiting.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Audio.JobId == drop.JobId)
                {
                    _waiting.Remove(node);
                }

                node = next;
            }

            Gauge();
        });
        Receive<RegisterAsrWorkers>(_ =>
        {
            if (Add(Sender) && _waiting.Count > 0)
            {
                Sender.Tell(new SegmentsWaiting());
            }
        });
        Receive<RequestSegment>(_ => Hand(Sender));
        Receive<SegmentRecognized>(recognized => Answer(recognized.JobId, recognized.Result.Index, recognized));
        Receive<SegmentRecognitionFailed>(failed => Answer(failed.JobId, failed.Index, failed));
        Receive<Terminated>(terminated => GiveBack(terminated.ActorRef));
        Receive<ActorClock.Tick>(tick =>
        {
            if (_clock.IsCurrent(tick) && tick.Message is Overdue overdue)
            {
                TakeBack(overdue);
            }
        });
    }

    public static Props Props(AsrMetrics metrics, TimeProvider? time = null) => Akka.Actor.Props.Create(() => new SegmentQueue(metrics, time));

    /// <summary>
    /// How long a segment may be out with a worker: a minute, plus ten times its audio (a whisper slot on a loaded CPU
    /// runs near real time; pocketsphinx at a fifth of it).
    /// </summary>
    public static TimeSpan DeadlineFor(SpeechAudio audio) =>
        TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(10.0 * (audio.EndSample - audio.StartSample) / (audio.SampleRate > 0 ? audio.SampleRate : 16_000));

    protected override void PostStop() => _clock.Dispose();

    private bool Add(IActorRef workers)
    {
        if (!_workers.Add(workers))
        {
            return false;
        }

        Context.Watch(workers);
        return true;
    }

    private void Hand(IActorRef workers)
    {
        Add(workers);
        if (_waiting.First is not { } first)
        {
            workers.Tell(new NoSegment());
            return;
        }

        _waiting.RemoveFirst();
        var (audio, replyTo) = first.Value;
        _inFlight[(audio.JobId, audio.Index)] = (audio, replyTo, workers);
        _clock.StartSingle(TimerKey(audio.JobId, audio.Index), new Overdue(audio.JobId, audio.Index, workers), DeadlineFor(audio));
        workers.Tell(audio);
        Gauge();
    }

    private static string TimerKey(string jobId, int index) => $"{jobId}/{index}";

    /// <summary>No answer by the deadline: the segment goes back to the front of the queue (a late answer from that node is then ignored).</summary>
    private void TakeBack(Overdue overdue)
    {
        if (!_inFlight.TryGetValue((overdue.JobId, overdue.Index), out var entry) || !entry.Workers.Equals(overdue.Workers))
        {
            return;
        }

        _inFlight.Remove((overdue.JobId, overdue.Index));
        _waiting.AddFirst((entry.Audio, entry.ReplyTo));
        Context.GetLogger().Warning(
            "Segment {0} of job {1} had no answer from {2} within {3:0} s; it goes back to the queue",
            overdue.Index, overdue.JobId, overdue.Workers.Path.Address, DeadlineFor(entry.Audio).TotalSeconds);
        Announce();
    }

    // Equals, not ReferenceEquals: a remote sender is a new IActorRef instance in every message.
    private void Answer(string jobId, int index, object answer)
    {
        if (_inFlight.TryGetValue((jobId, index), out var entry) && entry.Workers.Equals(Sender))
        {
            _inFlight.Remove((jobId, index));
            _clock.Cancel(TimerKey(jobId, index));
            entry.ReplyTo.Tell(answer);
        }
    }

    /// <summary>A worker node is gone: what it was recognising goes back to the front of the queue, in order.</summary>
    private void GiveBack(IActorRef workers)
    {
        _workers.Remove(workers);
        var lost = _inFlight.Where(e => e.Value.Workers.Equals(workers)).OrderByDescending(e => e.Key.Index).ToList();
        foreach (var (key, (audio, replyTo, _)) in lost)
        {
            _inFlight.Remove(key);
            _clock.Cancel(TimerKey(key.JobId, key.Index));
            _waiting.AddFirst((audio, replyTo));
        }

        if (lost.Count > 0)
        {
            Context.GetLogger().Warning("ASR workers {0} went away with {1} segment(s); they go to another node", workers.Path.Address, lost.Count);
            Announce();
        }
    }

    private void Announce()
    {
        foreach (var workers in _workers)
        {
            workers.Tell(new SegmentsWaiting());
        }

        Gauge();
    }

    private void Gauge() => _metrics.Waiting = _waiting.Count;

    private sealed record Overdue(string JobId, int Index, IActorRef Workers);
}
