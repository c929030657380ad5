namespace MediaCluster.Runtime;

/// <summary>The root and the user guardian: they only supervise.</summary>
internal sealed class Guardian : ActorBase
{
    private readonly SupervisorStrategy _strategy;

    public Guardian(SupervisorStrategy strategy) => _strategy = strategy;

    protected internal override SupervisorStrategy GetSupervisorStrategy() => _strategy;
}
