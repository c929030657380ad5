namespace MediaCluster.Runtime;

/// <summary>Delivered to a watcher when an actor it watches has stopped.</summary>
public sealed record Terminated(IActorRef Actor);

/// <summary>Delivered when no message arrived within the receive timeout set on the context.</summary>
public sealed record ReceiveTimeout
{
    private ReceiveTimeout()
    {
    }

    /// <summary>The single instance.</summary>
    public static ReceiveTimeout Instance { get; } = new();
}

/// <summary>Stops the receiving actor once the messages ahead of it are processed.</summary>
public sealed record PoisonPill : IAutoReceived
{
    private PoisonPill()
    {
    }

    /// <summary>The single instance.</summary>
    public static PoisonPill Instance { get; } = new();
}

/// <summary>Marks messages that do not reset the receive timeout.</summary>
public interface INotInfluenceReceiveTimeout
{
}

/// <summary>Replies that carry an outcome; an <c>Ask</c> that receives a failure throws its cause.</summary>
public static class Status
{
    /// <summary>The operation failed with <paramref name="Cause"/>.</summary>
    public sealed record Failure(Exception Cause);

    /// <summary>The operation succeeded, optionally with a value.</summary>
    public sealed record Success(object? Value);
}

/// <summary>A message that could not be delivered, with its intended recipient.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);
