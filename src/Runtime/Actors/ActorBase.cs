using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime;

/// <summary>
/// The base of every actor. Register typed handlers with <c>Receive</c> in the constructor; an async
/// handler holds the mailbox until its task completes, so an actor never processes two messages at once.
/// </summary>
public abstract class ActorBase
{
    [ThreadStatic]
    private static ActorCell? s_constructing;

    private readonly ActorCell _cell;
    private readonly Stack<Behavior> _behaviors = new();
    private Behavior _building;
    private Behavior _active;

    /// <summary>Binds the new instance to the cell that is creating it.</summary>
    protected ActorBase()
    {
        _cell = s_constructing ?? throw new InvalidOperationException(
            $"{GetType().Name} must be created by the actor system (ActorOf with Props), not with 'new'.");
        _building = new Behavior();
        _behaviors.Push(_building);
        _active = _building;
    }

    /// <summary>The actor's view of the runtime: self, sender, children, timers, stash.</summary>
    protected IActorContext Context => _cell;

    /// <summary>This actor's own reference.</summary>
    protected IActorRef Self => _cell.Self;

    /// <summary>The sender of the message being processed (<see cref="ActorRefs.Nobody"/> if none).</summary>
    protected IActorRef Sender => _cell.Sender;

    /// <summary>A logger named after the actor's type.</summary>
    protected ILogger Log => _cell.Log;

    internal ActorCell Cell => _cell;

    /// <summary>Handles messages of type <typeparamref name="T"/> (and subtypes) that satisfy <paramref name="when"/>.</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? when = null) => _building.Add(new SyncHandler<T>(handler, when));

    /// <summary>Handles <typeparamref name="T"/> asynchronously; no other message is processed until the task ends.</summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? when = null) => _building.Add(new AsyncHandler<T>(handler, when));

    /// <summary>Handles every message not taken by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler) => _building.Add(new SyncHandler<object>(handler, null));

    /// <summary>Replaces the current handlers with those <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure)
    {
        var replaced = _behaviors.Pop();
        try
        {
            BecomeStacked(configure);
        }
        catch
        {
            _behaviors.Push(replaced);
            throw;
        }
    }

    /// <summary>Pushes new handlers; <see cref="Unbecome"/> returns to the previous ones.</summary>
    protected void BecomeStacked(Action configure)
    {
        var previous = _building;
        _building = new Behavior();
        try
        {
            configure();
            _behaviors.Push(_building);
            _active = _building;
        }
        finally
        {
            _building = previous;
        }
    }

    /// <summary>Returns to the handlers before the last <see cref="BecomeStacked"/>.</summary>
    protected void Unbecome()
    {
        if (_behaviors.Count > 1)
        {
            _behaviors.Pop();
            _active = _behaviors.Peek();
        }
    }

    /// <summary>Called for messages no handler accepted: logs and forwards to dead letters.</summary>
    protected virtual void Unhandled(object message) =>
        _cell.System.DeadLetters.Tell(new DeadLetter(message, Sender, Self), Sender);

    /// <summary>Runs after construction, before the first message.</summary>
    protected virtual void PreStart()
    {
    }

    /// <summary>Runs once the actor has stopped (its children have stopped before it).</summary>
    protected virtual void PostStop()
    {
    }

    /// <summary>Runs on the failed instance before a restart; by default stops the children and calls <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.Children)
        {
            Context.Stop(child);
        }

        PostStop();
    }

    /// <summary>Runs on the fresh instance after a restart; by default calls <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>The strategy for this actor's children; by default the one in its props, or <see cref="SupervisorStrategy.Default"/>.</summary>
    protected internal virtual SupervisorStrategy GetSupervisorStrategy() => _cell.Props.SupervisorStrategy ?? SupervisorStrategy.Default;

    /// <summary>Starts the actor; async work here (recovery) holds the mailbox like an async handler.</summary>
    internal virtual ValueTask AroundPreStart()
    {
        PreStart();
        return ValueTask.CompletedTask;
    }

    internal void AroundPostStop() => PostStop();

    internal void AroundPreRestart(Exception reason, object? message) => PreRestart(reason, message);

    internal virtual ValueTask AroundPostRestart(Exception reason)
    {
        PostRestart(reason);
        return ValueTask.CompletedTask;
    }

    /// <summary>Dispatches one message to the current handlers.</summary>
    internal virtual ValueTask AroundReceive(object message)
    {
        if (_active.TryHandle(message, out var pending))
        {
            return pending is null ? ValueTask.CompletedTask : new ValueTask(pending);
        }

        Unhandled(message);
        return ValueTask.CompletedTask;
    }

    internal static ActorBase Construct(ActorCell cell)
    {
        var previous = s_constructing;
        s_constructing = cell;
        try
        {
            return cell.Props.Factory();
        }
        finally
        {
            s_constructing = previous;
        }
    }
}
