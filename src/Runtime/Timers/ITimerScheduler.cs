namespace MediaCluster.Runtime;

/// <summary>
/// Timers owned by one actor, keyed so that starting a timer with a used key replaces it. A cancelled or
/// replaced timer never delivers, even if its tick is already in the mailbox. All are cancelled on stop
/// and restart. Time comes from the system's <see cref="TimeProvider"/>, so tests can drive it.
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Delivers <paramref name="message"/> to self once, after <paramref name="delay"/>.</summary>
    void StartSingleTimer(object key, object message, TimeSpan delay);

    /// <summary>Delivers <paramref name="message"/> to self every <paramref name="interval"/>, first after <paramref name="initialDelay"/>.</summary>
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>True while the timer with this key is pending (a single timer stops being active once delivered).</summary>
    bool IsTimerActive(object key);

    /// <summary>Cancels one timer.</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer of this actor.</summary>
    void CancelAll();
}
