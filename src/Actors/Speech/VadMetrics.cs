namespace MediaCluster.Actors.Speech;

/// <summary>A node's VAD sessions, readable from any thread (for /metrics).</summary>
public sealed class VadMetrics(int slots)
{
    private int _busy;
    private int _waiting;

    /// <summary>VAD sessions a gpu node runs at once.</summary>
    public int Slots { get; } = slots;

    /// <summary>Sessions running on this (gpu) node now.</summary>
    public int Busy
    {
        get => Volatile.Read(ref _busy);
        set => Volatile.Write(ref _busy, value);
    }

    /// <summary>Jobs of this (jobs) node waiting for a session.</summary>
    public int Waiting
    {
        get => Volatile.Read(ref _waiting);
        set => Volatile.Write(ref _waiting, value);
    }
}
