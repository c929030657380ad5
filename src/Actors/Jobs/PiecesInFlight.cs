namespace MediaCluster.Actors.Jobs;

/// <summary>
/// One kind of a job's work sent off by index and answered by index (scenes to label, batches of text to label): which
/// pieces are out, which wait to be sent again, and the retry schedule of <see cref="FailedAttempts"/>.
/// </summary>
internal sealed class PiecesInFlight
{
    private readonly HashSet<int> _out = [];
    private readonly HashSet<int> _waiting = [];
    private readonly FailedAttempts _failures = new();

    /// <summary>Pieces sent and not yet answered.</summary>
    public int Count => _out.Count;

    /// <summary>Whether <paramref name="index"/> is out (sent, unanswered).</summary>
    public bool IsOut(int index) => _out.Contains(index);

    /// <summary>Whether <paramref name="index"/> may be sent now: neither out nor waiting for its retry.</summary>
    public bool MaySend(int index) => !_out.Contains(index) && !_waiting.Contains(index);

    public void Sent(int index) => _out.Add(index);

    /// <summary>Takes an answer for <paramref name="index"/>; false when it was not out (late, or given up on).</summary>
    public bool Answered(int index) => _out.Remove(index);

    /// <summary>Counts a failure of <paramref name="index"/>: its attempt, and the wait before it is sent again (null: give up).</summary>
    public (int Attempt, TimeSpan? RetryAfter) Failed(int index)
    {
        _out.Remove(index);
        var failed = _failures.Failed(index);
        if (failed.RetryAfter is not null)
        {
            _waiting.Add(index);
        }

        return failed;
    }

    /// <summary>The wait of <paramref name="index"/> is over: it may be sent again.</summary>
    public void RetryDue(int index) => _waiting.Remove(index);

    /// <summary>Forgets everything (a job retried on purpose starts again).</summary>
    public void Clear()
    {
        _out.Clear();
        _waiting.Clear();
        _failures.Clear();
    }
}
