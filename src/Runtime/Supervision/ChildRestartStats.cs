namespace MediaCluster.Runtime;

/// <summary>Restart times of one child, for the retry limit and the back-off delay.</summary>
internal sealed class ChildRestartStats
{
    private readonly Queue<DateTimeOffset> _restarts = new();

    /// <summary>
    /// Records a restart at <paramref name="now"/> and returns its number within the window, or 0 when the
    /// retry limit is exceeded and the child must stop instead.
    /// </summary>
    public int RequestRestart(SupervisorStrategy strategy, DateTimeOffset now)
    {
        while (_restarts.Count > 0 && now - _restarts.Peek() > strategy.WithinTimeRange)
        {
            _restarts.Dequeue();
        }

        if (strategy.MaxNrOfRetries >= 0 && _restarts.Count >= strategy.MaxNrOfRetries)
        {
            return 0;
        }

        _restarts.Enqueue(now);
        return _restarts.Count;
    }
}
