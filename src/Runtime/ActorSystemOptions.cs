namespace MediaCluster.Runtime;

/// <summary>Settings of an <see cref="ActorSystem"/>; bind from configuration section "Actors".</summary>
public sealed class ActorSystemOptions
{
    /// <summary>Messages one actor processes per turn on a thread before yielding it (fairness vs. speed).</summary>
    public int Throughput { get; set; } = 100;

    /// <summary>Dead letters logged per <see cref="DeadLetterLogWindow"/>; the rest are only counted.</summary>
    public int DeadLetterLogLimit { get; set; } = 10;

    /// <summary>The window over which <see cref="DeadLetterLogLimit"/> applies.</summary>
    public TimeSpan DeadLetterLogWindow { get; set; } = TimeSpan.FromMinutes(1);
}
