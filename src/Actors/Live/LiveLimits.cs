namespace MediaCluster.Actors.Live;

/// <summary>Live audio sessions: limits per node and how a session's audio is cut into utterances.</summary>
public sealed record LiveLimits
{
    /// <summary>Live sessions (WebSocket connections) one api node holds at once.</summary>
    public int MaxSessions { get; init; } = 3 * Environment.ProcessorCount;

    /// <summary>Live streams (a session's VAD and recogniser) one gpu node runs at once.</summary>
    public int MaxStreams { get; init; } = 3 * Environment.ProcessorCount;

    /// <summary>The largest WebSocket message a client may send.</summary>
    public int MaxFrameBytes { get; init; } = 256 * 1024;

    /// <summary>A session is ended (with its finals) when its audio reaches this length.</summary>
    public TimeSpan MaxSessionLength { get; init; } = TimeSpan.FromHours(2);

    /// <summary>A client that sends nothing for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Audio received but not yet processed, at most: a client sending faster than real time is slowed to the
    /// recogniser's pace beyond this; it also covers the seconds a session needs to find another worker.
    /// </summary>
    public TimeSpan MaxPendingAudio { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a session keeps looking for a worker (at start, or after losing one) before it gives up.</summary>
    public TimeSpan AttachTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>End of utterance and maximum utterance length.</summary>
    public Media.Live.LiveOptions Utterances { get; init; } = new();
}
