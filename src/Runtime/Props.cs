namespace MediaCluster.Runtime;

/// <summary>
/// How to create an actor: an immutable recipe (factory, supervision of its children, mailbox settings).
/// </summary>
public sealed record Props
{
    private Props(Func<ActorBase> factory, Type actorType)
    {
        Factory = factory;
        ActorType = actorType;
    }

    /// <summary>Creates a fresh actor instance; called on start and again on every restart.</summary>
    public Func<ActorBase> Factory { get; init; }

    /// <summary>The concrete actor type, for logs and paths.</summary>
    public Type ActorType { get; init; }

    /// <summary>How this actor supervises its children; null means <see cref="SupervisorStrategy.Default"/>.</summary>
    public SupervisorStrategy? SupervisorStrategy { get; init; }

    /// <summary>Messages processed per scheduling turn; null means the system's default.</summary>
    public int? Throughput { get; init; }

    /// <summary>Props for an actor with a parameterless constructor.</summary>
    public static Props Create<TActor>() where TActor : ActorBase, new() => new(() => new TActor(), typeof(TActor));

    /// <summary>Props for an actor built by <paramref name="factory"/> (captured arguments are fine).</summary>
    public static Props Create<TActor>(Func<TActor> factory) where TActor : ActorBase => new(factory, typeof(TActor));

    /// <summary>Returns a copy that supervises its children with <paramref name="strategy"/>.</summary>
    public Props WithSupervisorStrategy(SupervisorStrategy strategy) => this with { SupervisorStrategy = strategy };

    /// <summary>Returns a copy with its own scheduling throughput.</summary>
    public Props WithThroughput(int throughput) =>
        throughput > 0 ? this with { Throughput = throughput } : throw new ArgumentOutOfRangeException(nameof(throughput), "Throughput must be at least 1.");
}
