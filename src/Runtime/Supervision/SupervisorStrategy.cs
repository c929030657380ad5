namespace MediaCluster.Runtime;

/// <summary>
/// One-for-one supervision: decides per failing child, limits restarts within a time window and can
/// delay restarts with exponential back-off.
/// </summary>
public sealed record SupervisorStrategy
{
    /// <summary>Restart on any exception, except initialization failures, which stop the actor.</summary>
    public static SupervisorStrategy Default { get; } = new(DefaultDecider);

    /// <summary>Stop the failing child, whatever the cause.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new(_ => Directive.Stop);

    /// <summary>Creates a strategy that asks <paramref name="decider"/> what to do with each failure.</summary>
    public SupervisorStrategy(Func<Exception, Directive> decider) => Decider = decider;

    /// <summary>Maps a failure to a directive.</summary>
    public Func<Exception, Directive> Decider { get; init; }

    /// <summary>Restarts allowed within <see cref="WithinTimeRange"/> before the child is stopped; negative means no limit.</summary>
    public int MaxNrOfRetries { get; init; } = -1;

    /// <summary>The sliding window over which restarts are counted.</summary>
    public TimeSpan WithinTimeRange { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Delay of the first restart in a window; zero restarts at once. Each further restart doubles it.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.Zero;

    /// <summary>Upper bound of the back-off delay.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Returns a copy that allows at most <paramref name="maxNrOfRetries"/> restarts within <paramref name="within"/>.</summary>
    public SupervisorStrategy WithRetryLimit(int maxNrOfRetries, TimeSpan within) =>
        this with { MaxNrOfRetries = maxNrOfRetries, WithinTimeRange = within };

    /// <summary>Returns a copy that delays restarts: min, 2·min, 4·min … capped at max.</summary>
    public SupervisorStrategy WithBackoff(TimeSpan min, TimeSpan max) => this with { MinBackoff = min, MaxBackoff = max };

    /// <summary>The delay before the <paramref name="restartNumber"/>-th restart (1-based) within the window.</summary>
    public TimeSpan BackoffFor(int restartNumber)
    {
        if (MinBackoff <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var factor = Math.Pow(2, Math.Min(restartNumber - 1, 30));
        var ticks = Math.Min(MinBackoff.Ticks * factor, MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    private static Directive DefaultDecider(Exception cause) =>
        cause is ActorInitializationException ? Directive.Stop : Directive.Restart;
}
