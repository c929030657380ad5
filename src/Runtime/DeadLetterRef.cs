using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime;

/// <summary>Where undeliverable messages go: each is counted; a limited number per window is logged.</summary>
internal sealed class DeadLetterRef(ActorSystem system) : IActorRef
{
    private readonly ILogger _log = system.LoggerFactory.CreateLogger("MediaCluster.Runtime.DeadLetters");
    private readonly object _gate = new();
    private long _count;
    private DateTimeOffset _windowStart = DateTimeOffset.MinValue;
    private int _loggedInWindow;

    public string Path => "/deadLetters";

    public long Count => Interlocked.Read(ref _count);

    public void Tell(object message, IActorRef? sender = null)
    {
        var letter = message as DeadLetter ?? new DeadLetter(message, sender, this);
        Interlocked.Increment(ref _count);
        if (!ShouldLog(out var suppressNotice))
        {
            return;
        }

        _log.LogInformation(
            "Dead letter: {Message} from {Sender} to {Recipient} was not delivered",
            letter.Message.GetType().Name, letter.Sender?.Path ?? "nobody", letter.Recipient.Path);
        if (suppressNotice)
        {
            _log.LogInformation(
                "{Limit} dead letters logged in this window; further ones are counted but not logged for {Window}",
                system.Options.DeadLetterLogLimit, system.Options.DeadLetterLogWindow);
        }
    }

    private bool ShouldLog(out bool lastInWindow)
    {
        var now = system.TimeProvider.GetUtcNow();
        lock (_gate)
        {
            if (now - _windowStart >= system.Options.DeadLetterLogWindow)
            {
                _windowStart = now;
                _loggedInWindow = 0;
            }

            _loggedInWindow++;
            lastInWindow = _loggedInWindow == system.Options.DeadLetterLogLimit;
            return _loggedInWindow <= system.Options.DeadLetterLogLimit;
        }
    }

    public override string ToString() => Path;
}
