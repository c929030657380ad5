namespace MediaCluster.Runtime;

/// <summary>A reference to an actor in this process.</summary>
internal sealed class LocalActorRef(ActorCell cell, string path) : IInternalActorRef
{
    public string Path { get; } = path;

    public ActorSystem System => Cell.System;

    public bool IsTerminated => Cell.IsTerminated;

    internal ActorCell Cell { get; } = cell;

    public void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Post(message, sender);
    }

    public void SendSystem(SystemMessage message) => Cell.PostSystem(message);

    public override string ToString() => Path;
}
