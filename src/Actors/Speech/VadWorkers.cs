using Akka.Actor;
using Akka.Cluster;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>
/// A gpu node's VAD slots: they register with the <see cref="VadQueue"/> of every jobs node (when it joins, and again
/// every <see cref="AsrWorkers.RegisterEvery"/>) and, while a slot is free, ask a queue that said jobs are waiting for
/// one; each job handed over gets a <see cref="VadSession"/> child here, which runs until the job stops it (or the
/// job's node goes away). One request is out at a time, so no more sessions than slots are ever opened.
/// </summary>
public sealed class VadWorkers : ReceiveActor, IWithTimers
{
    private readonly HashSet<Address> _jobsNodes = [];
    private readonly List<IActorRef> _announced = [];
    private readonly NodeEngines _engines;
    private readonly VadMetrics _metrics;
    private readonly IActorRef _segments;
    private readonly bool _discover;
    private IActorRef? _asking;
    private int _sessions;
    private long _opened;

    public VadWorkers(NodeEngines engines, VadMetrics metrics, IActorRef segments, bool discover)
    {
        _engines = engines;
        _metrics = metrics;
        _segments = segments;
        _discover = discover;
        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.HasRole(MediaClusterAkka.JobsRole) && _jobsNodes.Add(up.Member.Address))
            {
                Register(up.Member.Address);
            }
        });
        Receive<ClusterEvent.MemberRemoved>(removed => _jobsNodes.Remove(removed.Member.Address));
        Receive<RegisterAgain>(_ =>
        {
            foreach (var address in _jobsNodes)
            {
                Register(address);
            }
        });
        Receive<VadWaiting>(_ =>
        {
            if (!_announced.Contains(Sender))
            {
                _announced.Add(Sender);
                Context.Watch(Sender);
            }

            Ask();
        });
        Receive<NoVad>(_ =>
        {
            _announced.Remove(Sender);
            Asked();
        });
        Receive<VadWanted>(want =>
        {
            // Sent as from the job: the session answers it directly.
            Context.Watch(Context.ActorOf(VadSession.Props(want.JobId, Sender, _engines, _segments), $"vad-{++_opened}"));
            _sessions++;
            Asked();
        });
        Receive<Terminated>(terminated =>
        {
            if (terminated.ActorRef.Path.Parent.Equals(Self.Path))
            {
                _sessions--;
                Gauge();
                Ask();
                return;
            }

            // A queue's node is gone: a request out to it will never be answered.
            _announced.Remove(terminated.ActorRef);
            if (terminated.ActorRef.Equals(_asking))
            {
                Asked();
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(NodeEngines engines, VadMetrics metrics, IActorRef segments, bool discover = true) =>
        Akka.Actor.Props.Create(() => new VadWorkers(engines, metrics, segments, discover));

    /// <summary>A session that throws ends (its job hears of it by death watch and starts again elsewhere); never restarted in place.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        if (_discover)
        {
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.InitialStateAsEvents, typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
            Timers.StartPeriodicTimer("register", RegisterAgain.Instance, AsrWorkers.RegisterEvery);
        }
    }

    protected override void PostStop()
    {
        if (_discover)
        {
            Cluster.Get(Context.System).Unsubscribe(Self);
        }
    }

    private void Register(Address jobsNode) =>
        Context.ActorSelection(new RootActorPath(jobsNode) / "user" / VadQueue.Name).Tell(new RegisterVadWorkers());

    /// <summary>While a slot is free, asks the queues that have jobs waiting, in turn, for one.</summary>
    private void Ask()
    {
        if (_asking is not null || _sessions >= _metrics.Slots || _announced.Count == 0)
        {
            return;
        }

        _asking = _announced[0];
        _announced.RemoveAt(0);
        _announced.Add(_asking);
        _asking.Tell(new RequestVad());
    }

    /// <summary>The request out was answered (or its queue is gone): the next one may go.</summary>
    private void Asked()
    {
        _asking = null;
        Gauge();
        Ask();
    }

    private void Gauge() => _metrics.Busy = _sessions;

    private sealed class RegisterAgain
    {
        public static readonly RegisterAgain Instance = new();
    }
}
