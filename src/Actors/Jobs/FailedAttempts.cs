namespace MediaCluster.Actors.Jobs;

/// <summary>
/// A job's failed attempts at one kind of work (recognising a segment, labelling a scene), by index, and when to try
/// again: after 1, 2 and 4 s; the fourth failure is the last (then the job fails naming the piece).
/// </summary>
internal sealed class FailedAttempts
{
    /// <summary>Retries before the job gives up on a piece.</summary>
    public const int MaxRetries = 3;

    private readonly Dictionary<int, int> _counts = [];

    /// <summary>Counts one more failure of <paramref name="index"/>: its number, and the wait before the next try (null: give up).</summary>
    public (int Attempt, TimeSpan? RetryAfter) Failed(int index)
    {
        var attempt = _counts[index] = _counts.GetValueOrDefault(index) + 1;
        return (attempt, attempt > MaxRetries ? null : TimeSpan.FromSeconds(1 << (attempt - 1)));
    }

    /// <summary>Forgets every failure (a job retried on purpose starts its counts again).</summary>
    public void Clear() => _counts.Clear();
}
