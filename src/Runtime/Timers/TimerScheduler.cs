namespace MediaCluster.Runtime;

/// <summary>Per-actor timers over <see cref="TimeProvider"/>; used only from the actor's own turn.</summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Entry> _timers = [];
    private int _generation;

    public void StartSingleTimer(object key, object message, TimeSpan delay) =>
        Start(key, message, delay, Timeout.InfiniteTimeSpan);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), "A periodic timer needs a positive interval.");
        }

        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var entry))
        {
            entry.Timer.Dispose();
        }
    }

    public void CancelAll()
    {
        foreach (var entry in _timers.Values)
        {
            entry.Timer.Dispose();
        }

        _timers.Clear();
    }

    /// <summary>The message of a tick that is still current, or null for a stale one.</summary>
    public object? Resolve(TimerFired fired)
    {
        if (!_timers.TryGetValue(fired.Key, out var entry) || entry.Generation != fired.Generation)
        {
            return null;
        }

        if (!entry.Periodic)
        {
            _timers.Remove(fired.Key);
            entry.Timer.Dispose();
        }

        return fired.Message;
    }

    private void Start(object key, object message, TimeSpan due, TimeSpan period)
    {
        Cancel(key);
        var tick = new TimerFired(key, ++_generation, message);
        var timer = cell.System.TimeProvider.CreateTimer(
            static state => ((Tick)state!).Fire(), new Tick(cell.SelfRef, tick), due, period);
        _timers[key] = new Entry(timer, tick.Generation, period != Timeout.InfiniteTimeSpan);
    }

    private sealed record Entry(ITimer Timer, int Generation, bool Periodic);

    private sealed record Tick(IActorRef Target, TimerFired Fired)
    {
        public void Fire() => Target.Tell(Fired);
    }
}
