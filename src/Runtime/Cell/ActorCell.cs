using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime;

/// <summary>
/// The runtime side of one actor: its mailbox, current instance, children, watchers, timers and stash.
/// Split by concern: Mailbox (scheduling), Lifecycle (create, stop, restart), DeathWatch, Supervision.
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    private readonly IInternalActorRef? _parent;
    private ActorBase? _actor;
    private Envelope _current;
    private ILogger? _log;
    private TimerScheduler? _timers;

    public ActorCell(ActorSystem system, Props props, IInternalActorRef? parent, string path)
    {
        System = system;
        Props = props;
        _parent = parent;
        _throughput = props.Throughput ?? system.Options.Throughput;
        SelfRef = new LocalActorRef(this, path);
    }

    public ActorSystem System { get; }

    public Props Props { get; }

    public LocalActorRef SelfRef { get; }

    public IActorRef Self => SelfRef;

    public IActorRef Sender => _current.Sender ?? ActorRefs.Nobody;

    public IActorRef Parent => (IActorRef?)_parent ?? ActorRefs.Nobody;

    public ILogger Log => _log ??= System.LoggerFactory.CreateLogger(Props.ActorType.FullName ?? Props.ActorType.Name);

    public ITimerScheduler Timers => _timers ??= new TimerScheduler(this);

    public bool IsTerminated => _terminated;

    public void Stop(IActorRef actor)
    {
        if (actor is IInternalActorRef target)
        {
            target.SendSystem(Terminate.Instance);
        }
    }

    public override string ToString() => SelfRef.Path;
}
