using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime;

/// <summary>What an actor can do with the runtime while it processes a message.</summary>
public interface IActorContext
{
    /// <summary>This actor's reference.</summary>
    IActorRef Self { get; }

    /// <summary>The sender of the current message.</summary>
    IActorRef Sender { get; }

    /// <summary>The supervising parent.</summary>
    IActorRef Parent { get; }

    /// <summary>The system this actor lives in.</summary>
    ActorSystem System { get; }

    /// <summary>The live children (a stopping child stays listed until it has stopped).</summary>
    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>Timers owned by this actor, cancelled when it stops or restarts.</summary>
    ITimerScheduler Timers { get; }

    /// <summary>A logger named after the actor type.</summary>
    ILogger Log { get; }

    /// <summary>Creates a child; an anonymous one when <paramref name="name"/> is null.</summary>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>The child with this name, or null.</summary>
    IActorRef? Child(string name);

    /// <summary>Delivers <see cref="Terminated"/> when <paramref name="subject"/> stops (at once if it already has).</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Stops watching; no <see cref="Terminated"/> for it arrives after this call returns.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Stops this actor or one of its children after the current message.</summary>
    void Stop(IActorRef actor);

    /// <summary>Sets aside the current message until <see cref="UnstashAll"/>.</summary>
    void Stash();

    /// <summary>Puts every stashed message back at the front of the mailbox, in their original order.</summary>
    void UnstashAll();

    /// <summary>Sends <see cref="ReceiveTimeout"/> after this long without a message; null turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);
}
