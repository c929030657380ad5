using Akka.Actor;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// An actor's keyed timers on the node's <see cref="TimeProvider"/> (tests pass a manual clock). Akka's own
/// scheduler also drives the cluster's gossip and the sharding coordinator, so a test scheduler would stop those
/// too; this moves only the actor's own timing. A due timer posts a <see cref="Tick"/> to the actor, which hands it
/// back to <see cref="IsCurrent"/>: a timer cancelled or replaced meanwhile never delivers.
/// </summary>
public sealed class ActorClock(TimeProvider time, IActorRef owner) : IDisposable
{
    private readonly Dictionary<string, (ITimer Timer, int Generation, bool Periodic)> _timers = new(StringComparer.Ordinal);
    private int _generation;

    /// <summary>What a due timer posts to its actor.</summary>
    public sealed record Tick(string Key, int Generation, object Message);

    /// <summary>Delivers <paramref name="message"/> once after <paramref name="delay"/>, replacing a timer with the same key.</summary>
    public void StartSingle(string key, object message, TimeSpan delay) => Start(key, message, delay, Timeout.InfiniteTimeSpan);

    /// <summary>Delivers <paramref name="message"/> every <paramref name="interval"/>, replacing a timer with the same key.</summary>
    public void StartPeriodic(string key, object message, TimeSpan interval) => Start(key, message, interval, interval);

    /// <summary>True while a timer with <paramref name="key"/> is armed (a single one until its tick is taken as current).</summary>
    public bool IsActive(string key) => _timers.ContainsKey(key);

    public void Cancel(string key)
    {
        if (_timers.Remove(key, out var entry))
        {
            entry.Timer.Dispose();
        }
    }

    /// <summary>True when <paramref name="tick"/> comes from a timer still armed (a single timer is then spent).</summary>
    public bool IsCurrent(Tick tick)
    {
        if (!_timers.TryGetValue(tick.Key, out var entry) || entry.Generation != tick.Generation)
        {
            return false;
        }

        if (!entry.Periodic)
        {
            _timers.Remove(tick.Key);
        }

        return true;
    }

    /// <summary>Cancels every timer (call from PostStop).</summary>
    public void Dispose()
    {
        foreach (var (timer, _, _) in _timers.Values)
        {
            timer.Dispose();
        }

        _timers.Clear();
    }

    private void Start(string key, object message, TimeSpan due, TimeSpan period)
    {
        Cancel(key);
        var tick = new Tick(key, ++_generation, message);
        var timer = time.CreateTimer(static state => ((Action)state!)(), (Action)(() => owner.Tell(tick, ActorRefs.NoSender)), due, period);
        _timers[key] = (timer, tick.Generation, period != Timeout.InfiniteTimeSpan);
    }
}
