using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MediaCluster.Runtime;

/// <summary>
/// A hierarchy of actors: a root, the user guardian under it (<c>/user</c>), and every actor created
/// with <see cref="ActorOf"/> below that. Terminating it stops children before parents.
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<Type, object> _extensions = new();
    private readonly DeadLetterRef _deadLetters;
    private readonly ActorCell _root;
    private readonly LocalActorRef _user;

    private ActorSystem(string name, ActorSystemOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        Name = name;
        Options = options;
        LoggerFactory = loggerFactory;
        TimeProvider = timeProvider;
        _deadLetters = new DeadLetterRef(this);
        var rootProps = Props.Create(() => new Guardian(SupervisorStrategy.StoppingStrategy));
        _root = new ActorCell(this, rootProps, null, "/");
        _root.PostSystem(Runtime.Create.Instance);
        var userProps = Props.Create(() => new Guardian(SupervisorStrategy.Default));
        _user = (LocalActorRef)_root.ActorOf(userProps, "user");
    }

    /// <summary>The system's name (used in logs and, later, in remote addresses).</summary>
    public string Name { get; }

    /// <summary>The settings the system was created with.</summary>
    public ActorSystemOptions Options { get; }

    /// <summary>Where actors' loggers come from.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The clock behind timers, receive timeouts, back-off and ask timeouts.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Messages sent here are counted and (rate-limited) logged.</summary>
    public IActorRef DeadLetters => _deadLetters;

    /// <summary>How many messages could not be delivered since the system started.</summary>
    public long DeadLetterCount => _deadLetters.Count;

    /// <summary>Completes once every actor has stopped.</summary>
    public Task WhenTerminated => _terminated.Task;

    /// <summary>Creates a system; every argument but the name has a sensible default.</summary>
    public static ActorSystem Create(
        string name,
        ActorSystemOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null) =>
        new(name, options ?? new ActorSystemOptions(), loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System);

    /// <summary>Creates a system from options bound through the options pattern.</summary>
    public static ActorSystem Create(string name, IOptions<ActorSystemOptions> options, ILoggerFactory loggerFactory) =>
        Create(name, options.Value, loggerFactory);

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _user.Cell.ActorOf(props, name);

    /// <summary>Stops an actor after the message it is processing; its children stop first.</summary>
    public void Stop(IActorRef actor) => _user.Cell.Stop(actor);

    /// <summary>Stops every actor (children before parents, each running PostStop) and completes <see cref="WhenTerminated"/>.</summary>
    public Task Terminate()
    {
        _root.PostSystem(Runtime.Terminate.Instance);
        return WhenTerminated;
    }

    /// <summary>Registers a service that actors of this system share (persistence, later cluster sharding).</summary>
    public void RegisterExtension<T>(T extension) where T : class
    {
        if (!_extensions.TryAdd(typeof(T), extension))
        {
            throw new InvalidOperationException($"An extension of type {typeof(T).Name} is already registered on system '{Name}'.");
        }
    }

    /// <summary>The registered extension of type <typeparamref name="T"/>, or a clear error naming what is missing.</summary>
    public T GetExtension<T>() where T : class =>
        _extensions.TryGetValue(typeof(T), out var extension)
            ? (T)extension
            : throw new InvalidOperationException($"No {typeof(T).Name} is registered on actor system '{Name}'; register one with RegisterExtension first.");

    /// <summary>Terminates the system. Extensions stay open: whoever created them disposes them.</summary>
    public async ValueTask DisposeAsync() => await Terminate();

    internal void OnRootTerminated() => _terminated.TrySetResult();

    public override string ToString() => $"ActorSystem({Name})";
}
