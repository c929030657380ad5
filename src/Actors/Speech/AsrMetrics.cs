namespace MediaCluster.Actors.Speech;

/// <summary>
/// What a node's ASR slots have done and are doing: recognitions (so operators and tests can see work is never
/// done twice), audio seconds against recognition seconds (the real-time factor), the slots and the queue.
/// Written by the queue and the workers, read by /metrics from any thread.
/// </summary>
public sealed class AsrMetrics
{
    private long _recognized;
    private long _audioMicroseconds;
    private long _busyMicroseconds;

    /// <summary>Segments recognised since start.</summary>
    public long Recognitions => Interlocked.Read(ref _recognized);

    /// <summary>Seconds of audio recognised since start.</summary>
    public double AudioSeconds => Interlocked.Read(ref _audioMicroseconds) / 1e6;

    /// <summary>Seconds the slots spent recognising (summed over slots).</summary>
    public double BusySeconds => Interlocked.Read(ref _busyMicroseconds) / 1e6;

    /// <summary>Recognition seconds per audio second, per slot (below 1 is faster than real time); 0 before any work.</summary>
    public double RealTimeFactor => AudioSeconds > 0 ? BusySeconds / AudioSeconds : 0;

    private int _busy;
    private int _waiting;

    /// <summary>ASR slots on this node (a gpu node).</summary>
    public int Slots { get; internal set; }

    /// <summary>Slots recognising now.</summary>
    public int Busy
    {
        get => Volatile.Read(ref _busy);
        internal set => Volatile.Write(ref _busy, value);
    }

    /// <summary>Segments in this node's queue (a jobs node) waiting for a worker on any gpu node.</summary>
    public int Waiting
    {
        get => Volatile.Read(ref _waiting);
        internal set => Volatile.Write(ref _waiting, value);
    }

    internal void Recognized(double audioSeconds, TimeSpan took)
    {
        Interlocked.Increment(ref _recognized);
        Interlocked.Add(ref _audioMicroseconds, (long)(audioSeconds * 1e6));
        Interlocked.Add(ref _busyMicroseconds, (long)(took.TotalMilliseconds * 1000));
    }
}
