using Akka.Actor;

namespace MediaCluster.Actors.Speech;

/// <summary>Asks a <see cref="SlotGate"/> for a slot; answered with <see cref="SlotGranted"/> once one is free.</summary>
public sealed record AcquireSlot
{
    public static AcquireSlot Instance { get; } = new();
}

/// <summary>The sender now holds a slot until it sends <see cref="ReleaseSlot"/> or stops.</summary>
public sealed record SlotGranted
{
    public static SlotGranted Instance { get; } = new();
}

/// <summary>Gives back a held slot, or withdraws a waiting request.</summary>
public sealed record ReleaseSlot
{
    public static ReleaseSlot Instance { get; } = new();
}

/// <summary>How a gate's slots are used, readable from any thread (for /metrics).</summary>
public sealed class SlotGauge
{
    private int _busy;
    private int _waiting;

    /// <summary>Slots in all.</summary>
    public int Slots { get; init; }

    /// <summary>Slots held (working) now.</summary>
    public int Busy => Volatile.Read(ref _busy);

    /// <summary>Requests waiting for a slot.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    internal void Set(int busy, int waiting)
    {
        Volatile.Write(ref _busy, busy);
        Volatile.Write(ref _waiting, waiting);
    }
}

/// <summary>
/// A node's slots for one kind of work (e.g. speech detection): at most <c>Slots</c> holders at once, the rest
/// wait in arrival order. Asking again while holding is answered again (a restarted holder keeps its slot); a
/// holder or waiter that stops gives its place up.
/// </summary>
public sealed class SlotGate : ReceiveActor
{
    private readonly HashSet<IActorRef> _holders = [];
    private readonly LinkedList<IActorRef> _waiting = new();
    private readonly SlotGauge _gauge;

    public SlotGate(SlotGauge gauge)
    {
        _gauge = gauge;
        Receive<AcquireSlot>(_ =>
        {
            if (_holders.Contains(Sender))
            {
                Sender.Tell(SlotGranted.Instance);
            }
            else if (!_waiting.Contains(Sender))
            {
                Context.Watch(Sender);
                _waiting.AddLast(Sender);
                GrantFree();
            }
        });
        Receive<ReleaseSlot>(_ => Leave(Sender));
        Receive<Terminated>(t => Leave(t.ActorRef));
    }

    private void Leave(IActorRef actor)
    {
        if (_holders.Remove(actor) | _waiting.Remove(actor))
        {
            Context.Unwatch(actor);
        }

        GrantFree();
    }

    private void GrantFree()
    {
        while (_holders.Count < _gauge.Slots && _waiting.First is { } next)
        {
            _waiting.RemoveFirst();
            _holders.Add(next.Value);
            next.Value.Tell(SlotGranted.Instance);
        }

        _gauge.Set(_holders.Count, _waiting.Count);
    }
}

/// <summary>The node's speech-detection slots, for /metrics.</summary>
public sealed class VadMetrics(int slots)
{
    /// <summary>Slots, slots in use, jobs waiting for one.</summary>
    public SlotGauge Slots { get; } = new() { Slots = slots };
}
