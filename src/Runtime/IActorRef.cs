namespace MediaCluster.Runtime;

/// <summary>
/// A handle to an actor: the only way to talk to it. Local or (later) remote, the caller cannot tell.
/// </summary>
public interface IActorRef
{
    /// <summary>The actor's path, e.g. <c>/user/jobs/42</c>; unique within its system while it lives.</summary>
    string Path { get; }

    /// <summary>Enqueues <paramref name="message"/> for the actor; never blocks, never throws for a dead actor.</summary>
    void Tell(object message, IActorRef? sender = null);
}

/// <summary>Runtime-internal view of a reference: which system it belongs to and how it is watched.</summary>
internal interface IInternalActorRef : IActorRef
{
    ActorSystem System { get; }

    /// <summary>Delivers a system message (watch, stop, supervision) ahead of ordinary messages.</summary>
    void SendSystem(SystemMessage message);

    /// <summary>True once the actor has stopped for good.</summary>
    bool IsTerminated { get; }
}

/// <summary>Well-known references.</summary>
public static class ActorRefs
{
    /// <summary>The "no sender" reference; messages told to it are dropped silently.</summary>
    public static readonly IActorRef Nobody = new NobodyRef();

    private sealed class NobodyRef : IActorRef
    {
        public string Path => "/nobody";

        public void Tell(object message, IActorRef? sender = null)
        {
        }

        public override string ToString() => Path;
    }
}
