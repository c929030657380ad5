namespace MediaCluster.Runtime;

/// <summary>Messages of the runtime itself; they overtake ordinary messages in a mailbox.</summary>
internal abstract record SystemMessage;

internal sealed record Create : SystemMessage
{
    public static readonly Create Instance = new();
}

internal sealed record Terminate : SystemMessage
{
    public static readonly Terminate Instance = new();
}

internal sealed record Watch(IInternalActorRef Watchee, IInternalActorRef Watcher) : SystemMessage;

internal sealed record Unwatch(IInternalActorRef Watchee, IInternalActorRef Watcher) : SystemMessage;

internal sealed record DeathWatchNotification(IActorRef Actor) : SystemMessage;

internal sealed record ChildTerminated(IInternalActorRef Child) : SystemMessage;

internal sealed record Failed(IInternalActorRef Child, Exception Cause) : SystemMessage;

internal sealed record Resume : SystemMessage
{
    public static readonly Resume Instance = new();
}

internal sealed record Recreate(Exception Cause) : SystemMessage;
