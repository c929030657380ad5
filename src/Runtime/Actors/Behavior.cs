namespace MediaCluster.Runtime;

/// <summary>One typed handler: matches by type (and an optional predicate) and runs sync or async.</summary>
internal abstract class Handler
{
    public abstract Type MessageType { get; }

    /// <summary>Runs the handler if it accepts <paramref name="message"/>; <paramref name="pending"/> is the async work, if any.</summary>
    public abstract bool TryHandle(object message, out Task? pending);
}

internal sealed class SyncHandler<T>(Action<T> action, Predicate<T>? when) : Handler
{
    public override Type MessageType => typeof(T);

    public override bool TryHandle(object message, out Task? pending)
    {
        pending = null;
        var typed = (T)message;
        if (when is not null && !when(typed))
        {
            return false;
        }

        action(typed);
        return true;
    }
}

internal sealed class AsyncHandler<T>(Func<T, Task> action, Predicate<T>? when) : Handler
{
    public override Type MessageType => typeof(T);

    public override bool TryHandle(object message, out Task? pending)
    {
        var typed = (T)message;
        if (when is not null && !when(typed))
        {
            pending = null;
            return false;
        }

        pending = action(typed);
        return true;
    }
}

/// <summary>
/// A set of handlers in registration order. The handlers that can apply to a concrete message type are
/// resolved once per type and cached, so dispatch is one dictionary lookup on the hot path.
/// </summary>
internal sealed class Behavior
{
    private readonly List<Handler> _handlers = [];
    private readonly Dictionary<Type, Handler[]> _byType = [];
    private Type? _lastType;
    private Handler[] _lastCandidates = [];

    public void Add(Handler handler)
    {
        _handlers.Add(handler);
        _byType.Clear();
        _lastType = null;
    }

    /// <summary>Returns false when no handler accepted the message.</summary>
    public bool TryHandle(object message, out Task? pending)
    {
        var type = message.GetType();
        Handler[] candidates;
        if (ReferenceEquals(type, _lastType))
        {
            candidates = _lastCandidates;
        }
        else
        {
            if (!_byType.TryGetValue(type, out candidates!))
            {
                candidates = _handlers.Where(h => h.MessageType.IsAssignableFrom(type)).ToArray();
                _byType[type] = candidates;
            }

            _lastType = type;
            _lastCandidates = candidates;
        }

        foreach (var handler in candidates)
        {
            if (handler.TryHandle(message, out pending))
            {
                return true;
            }
        }

        pending = null;
        return false;
    }
}
