using System.Threading.Channels;
using MediaCluster.Runtime;

namespace MediaCluster.Testing;

/// <summary>
/// An actor whose messages a test can await in order. Every wait has a timeout whose message says what
/// did not arrive; the default is generous because CI machines are slow.
/// </summary>
public sealed class TestProbe
{
    private readonly Channel<(object Message, IActorRef Sender)> _inbox = Channel.CreateUnbounded<(object, IActorRef)>();

    /// <summary>Creates the probe actor under <c>/user</c>.</summary>
    public TestProbe(ActorSystem system, string? name = null)
    {
        Ref = system.ActorOf(Props.Create(() => new ProbeActor(_inbox.Writer)), name);
    }

    /// <summary>The probe's reference, to pass as a sender or a target.</summary>
    public IActorRef Ref { get; }

    /// <summary>The sender of the last message taken from the probe.</summary>
    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    /// <summary>How long a wait lasts when none is given.</summary>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(15);

    /// <summary>Messages that have arrived and not yet been taken.</summary>
    public int Pending => _inbox.Reader.Count;

    /// <summary>Sends to <paramref name="target"/> with the probe as sender.</summary>
    public void Send(IActorRef target, object message) => target.Tell(message, Ref);

    /// <summary>Replies to the sender of the last message.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    /// <summary>Makes the probe watch <paramref name="target"/>; a <see cref="Terminated"/> then arrives here.</summary>
    public async Task WatchAsync(IActorRef target)
    {
        Ref.Tell(new ProbeActor.WatchCommand(target, true));
        await ExpectMsgAsync<ProbeActor.Watched>($"the probe to start watching {target.Path}");
    }

    /// <summary>Stops watching <paramref name="target"/>.</summary>
    public async Task UnwatchAsync(IActorRef target)
    {
        Ref.Tell(new ProbeActor.WatchCommand(target, false));
        await ExpectMsgAsync<ProbeActor.Watched>($"the probe to stop watching {target.Path}");
    }

    /// <summary>Takes the next message, whatever its type.</summary>
    public async Task<object> ReceiveAsync(string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            var (message, sender) = await _inbox.Reader.ReadAsync(cts.Token);
            LastSender = sender;
            return message;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s waiting for {what}.");
        }
    }

    /// <summary>Takes the next message and checks it is a <typeparamref name="T"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(string what, TimeSpan? timeout = null)
    {
        var message = await ReceiveAsync(what, timeout);
        return message is T typed
            ? typed
            : throw new InvalidOperationException($"Waiting for {what}: expected a {typeof(T).Name} but got {message}.");
    }

    /// <summary>Takes the next message and checks it equals <paramref name="expected"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null)
        where T : notnull
    {
        var message = await ReceiveAsync($"'{expected}'", timeout);
        return Equals(message, expected)
            ? (T)message
            : throw new InvalidOperationException($"Expected '{expected}' but got '{message}'.");
    }

    /// <summary>Takes <paramref name="count"/> messages of type <typeparamref name="T"/>.</summary>
    public async Task<List<T>> ExpectMsgsAsync<T>(int count, string what, TimeSpan? timeout = null)
    {
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(await ExpectMsgAsync<T>($"{what} (#{i + 1} of {count})", timeout));
        }

        return list;
    }

    /// <summary>True when nothing is waiting in the probe right now (no time passes).</summary>
    public bool IsEmpty => _inbox.Reader.Count == 0;
}

/// <summary>The actor behind <see cref="TestProbe"/>.</summary>
internal sealed class ProbeActor : ActorBase
{
    public ProbeActor(ChannelWriter<(object, IActorRef)> inbox)
    {
        Receive<WatchCommand>(command =>
        {
            if (command.Watch)
            {
                Context.Watch(command.Target);
            }
            else
            {
                Context.Unwatch(command.Target);
            }

            inbox.TryWrite((new Watched(), Self));
        });
        ReceiveAny(message => inbox.TryWrite((message, Sender)));
    }

    public sealed record WatchCommand(IActorRef Target, bool Watch);

    public sealed record Watched;
}
