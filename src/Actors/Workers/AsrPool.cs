using Akka.Actor;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Workers;

/// <summary>A job ended: its segments still waiting for a slot are dropped (those being recognised finish).</summary>
internal sealed record DropSegments(string JobId);

/// <summary>
/// The ASR slots of a node: one <see cref="AsrWorker"/> per slot over a shared recognizer pool. Requests
/// queue here and go to whichever worker is idle; replies go back to the job that asked.
/// </summary>
internal sealed class AsrPool : ReceiveActor
{
    private readonly Queue<(SpeechAudio Audio, IActorRef ReplyTo)> _waiting = new();
    private readonly Stack<IActorRef> _idle = new();
    private readonly Dictionary<IActorRef, IActorRef> _busy = [];

    private readonly AsrMetrics _metrics;

    public AsrPool(NodeEngines engines, AsrMetrics metrics)
    {
        _metrics = metrics;
        metrics.Pool.Slots = engines.Recognizer.Concurrency;
        for (var i = 0; i < engines.Recognizer.Concurrency; i++)
        {
            _idle.Push(Context.ActorOf(AsrWorker.Props(engines, metrics), $"asr-{i}"));
        }

        Receive<SpeechAudio>(audio =>
        {
            _waiting.Enqueue((audio, Sender));
            Dispatch();
        });
        Receive<DropSegments>(drop =>
        {
            var kept = _waiting.Where(w => w.Audio.JobId != drop.JobId).ToList();
            _waiting.Clear();
            kept.ForEach(_waiting.Enqueue);
            _metrics.Pool.Set(_busy.Count, _waiting.Count);
        });
        Receive<SegmentRecognized>(Answer);
        Receive<SegmentRecognitionFailed>(Answer);
    }

    public static Props Props(NodeEngines engines, AsrMetrics metrics) => Akka.Actor.Props.Create(() => new AsrPool(engines, metrics));

    private void Answer(object answer)
    {
        if (_busy.Remove(Sender, out var replyTo))
        {
            replyTo.Tell(answer);
            _idle.Push(Sender);
        }

        Dispatch();
    }

    private void Dispatch()
    {
        while (_idle.Count > 0 && _waiting.Count > 0)
        {
            var worker = _idle.Pop();
            var (audio, replyTo) = _waiting.Dequeue();
            _busy[worker] = replyTo;
            worker.Tell(audio);
        }

        _metrics.Pool.Set(_busy.Count, _waiting.Count);
    }
}
