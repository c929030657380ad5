namespace MediaCluster.Actors.Live;

/// <summary>Live audio on this node, for /metrics: sessions held (api), streams run (gpu), partial latency, real-time factor.</summary>
public sealed class LiveMetrics
{
    private readonly object _gate = new();
    private readonly Queue<double> _latencies = new();
    private int _sessions;
    private int _streams;
    private long _audioMicroseconds;
    private long _busyMicroseconds;

    /// <summary>Live sessions open on this node.</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>Live streams this node recognises.</summary>
    public int Streams => Volatile.Read(ref _streams);

    /// <summary>Recognition seconds per second of live audio (below 1 is faster than real time); 0 before any.</summary>
    public double RealTimeFactor
    {
        get
        {
            var audio = Interlocked.Read(ref _audioMicroseconds);
            return audio > 0 ? Interlocked.Read(ref _busyMicroseconds) / (double)audio : 0;
        }
    }

    /// <summary>Seconds of live audio recognised.</summary>
    public double AudioSeconds => Interlocked.Read(ref _audioMicroseconds) / 1e6;

    /// <summary>Takes a session slot if fewer than <paramref name="limit"/> are taken.</summary>
    public bool TryOpenSession(int limit)
    {
        while (true)
        {
            var open = Sessions;
            if (open >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _sessions, open + 1, open) == open)
            {
                return true;
            }
        }
    }

    public void SessionClosed() => Interlocked.Decrement(ref _sessions);

    internal void StreamOpened() => Interlocked.Increment(ref _streams);

    internal void StreamClosed() => Interlocked.Decrement(ref _streams);

    internal void Processed(double audioSeconds, TimeSpan busy)
    {
        Interlocked.Add(ref _audioMicroseconds, (long)(audioSeconds * 1e6));
        Interlocked.Add(ref _busyMicroseconds, (long)(busy.TotalMicroseconds));
    }

    /// <summary>Records the time from audio leaving the session to the partial it produced coming back.</summary>
    internal void PartialLatency(TimeSpan latency)
    {
        lock (_gate)
        {
            _latencies.Enqueue(latency.TotalSeconds);
            if (_latencies.Count > 1000)
            {
                _latencies.Dequeue();
            }
        }
    }

    /// <summary>The <paramref name="quantile"/> of the last 1000 partial latencies, in seconds (0 before any).</summary>
    public double PartialLatencyQuantile(double quantile)
    {
        double[] sorted;
        lock (_gate)
        {
            sorted = [.. _latencies.Order()];
        }

        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];
    }
}
