using Akka.Actor;
using Akka.Cluster;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>
/// A gpu node's ASR slots: one <see cref="AsrWorker"/> per slot over the shared recognizer. They register with the
/// <see cref="SegmentQueue"/> of every gpu node, this one's too (when it joins, and again every <see cref="RegisterEvery"/>,
/// so a queue that missed it learns of them) and pull: each free slot asks the queues that said segments are waiting,
/// in turn, for one segment, recognises it, and sends the answer back to that queue. No more segments than slots are
/// ever on this node. (Asking this node's own queue first — its VAD sessions' audio is here already — was measured:
/// the three-node batch took 1.31–1.61 × the one-node time against 1.12 in turn, for 14–17 kB instead of 30 kB of
/// traffic per second of audio; see docs/architecture.md.)
/// </summary>
public sealed class AsrWorkers : ReceiveActor, IWithTimers
{
    /// <summary>How often the workers register again with every jobs node's queue.</summary>
    public static readonly TimeSpan RegisterEvery = TimeSpan.FromSeconds(5);

    private readonly Stack<IActorRef> _idle = new();
    private readonly Dictionary<IActorRef, IActorRef> _busy = [];
    private readonly List<IActorRef> _announced = [];
    private readonly Dictionary<IActorRef, int> _asked = [];
    private readonly HashSet<Address> _queueNodes = [];
    private readonly AsrMetrics _metrics;
    private readonly bool _discover;

    public AsrWorkers(NodeEngines engines, AsrMetrics metrics, bool discover, bool speakerFeatures)
    {
        _metrics = metrics;
        _discover = discover;
        metrics.Slots = engines.Recognizer.Concurrency;
        for (var i = 0; i < engines.Recognizer.Concurrency; i++)
        {
            _idle.Push(Context.ActorOf(AsrWorker.Props(engines, metrics, speakerFeatures), $"asr-{i}"));
        }

        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.HasRole(Hosting.MediaClusterAkka.GpuRole) && _queueNodes.Add(up.Member.Address))
            {
                Register(up.Member.Address);
            }
        });
        Receive<ClusterEvent.MemberRemoved>(removed => _queueNodes.Remove(removed.Member.Address));
        Receive<RegisterAgain>(_ =>
        {
            foreach (var address in _queueNodes)
            {
                Register(address);
            }
        });
        Receive<SegmentsWaiting>(_ =>
        {
            if (!_announced.Contains(Sender))
            {
                _announced.Add(Sender);
                Context.Watch(Sender);
            }

            Pull();
        });
        Receive<SpeechAudio>(OnSegment);
        Receive<NoSegment>(_ =>
        {
            Asked(Sender, -1);
            _announced.Remove(Sender);
            Pull();
        });
        Receive<SegmentRecognized>(Answer);
        Receive<SegmentRecognitionFailed>(Answer);
        Receive<Terminated>(terminated =>
        {
            // A queue's node is gone: its pending requests will never be answered.
            _announced.Remove(terminated.ActorRef);
            _asked.Remove(terminated.ActorRef);
            Pull();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>A segment a queue sent for a slot this node asked for: to an idle worker.</summary>
    private void OnSegment(SpeechAudio audio)
    {
        Asked(Sender, -1);
        if (!_idle.TryPop(out var worker))
        {
            Sender.Tell(new SegmentRecognitionFailed { JobId = audio.JobId, Index = audio.Index, Reason = "no free ASR slot (a segment arrived unasked)" });
            return;
        }

        _busy[worker] = Sender;
        worker.Tell(audio);
        Gauge();
    }

    /// <summary>Slots neither recognising nor promised to a request in flight.</summary>
    private int Free => _idle.Count - _asked.Values.Sum();

    /// <param name="speakerFeatures">Each result carries its segment's voice (<see cref="SegmentTranscribed.SpeakerWindows"/>) for diarization.</param>
    public static Props Props(NodeEngines engines, AsrMetrics metrics, bool discover = true, bool speakerFeatures = true) =>
        Akka.Actor.Props.Create(() => new AsrWorkers(engines, metrics, discover, speakerFeatures));

    protected override void PreStart()
    {
        if (_discover)
        {
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
            Timers.StartPeriodicTimer("register", RegisterAgain.Instance, RegisterEvery);
        }
    }

    protected override void PostStop()
    {
        if (_discover)
        {
            Cluster.Get(Context.System).Unsubscribe(Self);
        }
    }

    private void Register(Address gpuNode) =>
        Context.ActorSelection(new RootActorPath(gpuNode) / "user" / SegmentQueue.Name).Tell(new RegisterAsrWorkers());

    /// <summary>Asks the queues that have segments, in turn, for one segment per free slot.</summary>
    private void Pull()
    {
        while (Free > 0 && _announced.Count > 0)
        {
            var queue = _announced[0];
            _announced.Remove(queue);
            _announced.Add(queue);
            Asked(queue, +1);
            queue.Tell(new RequestSegment());
        }
    }

    private void Asked(IActorRef queue, int change)
    {
        var asked = _asked.GetValueOrDefault(queue) + change;
        if (asked > 0)
        {
            _asked[queue] = asked;
        }
        else
        {
            _asked.Remove(queue);
        }
    }

    private void Answer(object answer)
    {
        if (_busy.Remove(Sender, out var queue))
        {
            queue.Tell(answer);
            _idle.Push(Sender);
        }

        Gauge();
        Pull();
    }

    private void Gauge() => _metrics.Busy = _busy.Count;

    private sealed class RegisterAgain
    {
        public static readonly RegisterAgain Instance = new();
    }
}
