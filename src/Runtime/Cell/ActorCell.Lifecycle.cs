using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime;

/// <summary>Creation, stopping (children first, then PostStop) and restarting of the actor instance.</summary>
internal sealed partial class ActorCell
{
    private readonly Dictionary<string, ChildEntry> _children = [];
    private readonly List<Envelope> _stash = [];
    private bool _terminating;
    private Exception? _pendingRecreate;
    private object? _failedMessage;
    private long _anonymousCounter;

    public IReadOnlyCollection<IActorRef> Children
    {
        get
        {
            lock (_children)
            {
                return _children.Values.Select(c => (IActorRef)c.Ref).ToArray();
            }
        }
    }

    public IActorRef ActorOf(Props props, string? name = null)
    {
        lock (_children)
        {
            if (_terminating || _terminated)
            {
                throw new InvalidOperationException($"Cannot create a child of '{SelfRef.Path}': it is stopping.");
            }

            if (name is null)
            {
                name = "$" + Base36(++_anonymousCounter);
            }
            else
            {
                ValidateName(name);
            }

            if (_children.ContainsKey(name))
            {
                throw new InvalidActorNameException($"Actor name '{name}' is not unique under '{SelfRef.Path}'.");
            }

            var path = SelfRef.Path == "/" ? "/" + name : SelfRef.Path + "/" + name;
            var child = new ActorCell(System, props, SelfRef, path);
            _children.Add(name, new ChildEntry(child.SelfRef));
            child.PostSystem(Create.Instance);
            return child.SelfRef;
        }
    }

    public IActorRef? Child(string name)
    {
        lock (_children)
        {
            return _children.TryGetValue(name, out var entry) ? entry.Ref : null;
        }
    }

    public void Stash() => _stash.Add(_current);

    public void UnstashAll()
    {
        if (_stash.Count == 0)
        {
            return;
        }

        var rest = _unstashed.ToArray();
        _unstashed.Clear();
        foreach (var envelope in _stash.Concat(rest))
        {
            _unstashed.Enqueue(envelope);
        }

        _stash.Clear();
    }

    private ValueTask HandleSystem(SystemMessage message)
    {
        switch (message)
        {
            case Create:
                return CreateInstance(null);
            case Terminate:
                BeginTerminate();
                break;
            case ChildTerminated child:
                return OnChildTerminated(child.Child);
            case Watch watch:
                OnWatch(watch);
                break;
            case Unwatch unwatch:
                _watchedBy.Remove(unwatch.Watcher);
                break;
            case DeathWatchNotification notification:
                Post(new DeliverTerminated(notification.Actor), notification.Actor);
                break;
            case Failed failed:
                OnChildFailed(failed.Child, failed.Cause);
                break;
            case Resume:
                if (!_terminating)
                {
                    _suspended = false;
                }

                break;
            case Recreate recreate:
                return BeginRecreate(recreate.Cause);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask CreateInstance(Exception? restartCause)
    {
        try
        {
            _actor = ActorBase.Construct(this);
            var started = restartCause is null ? _actor.AroundPreStart() : _actor.AroundPostRestart(restartCause);
            if (started.IsCompletedSuccessfully)
            {
                _suspended = false;
                return ValueTask.CompletedTask;
            }

            return new ValueTask(AwaitStart(started));
        }
        catch (Exception ex)
        {
            FailInitialization(ex);
            return ValueTask.CompletedTask;
        }
    }

    private async Task AwaitStart(ValueTask started)
    {
        try
        {
            await started;
            _suspended = false;
        }
        catch (Exception ex)
        {
            FailInitialization(ex);
        }
    }

    private void FailInitialization(Exception ex)
    {
        var inner = ex is System.Reflection.TargetInvocationException { InnerException: { } real } ? real : ex;
        HandleInvokeFailure(
            new ActorInitializationException($"Actor '{SelfRef.Path}' ({Props.ActorType.Name}) failed to start: {inner.Message}", inner),
            null);
    }

    private void BeginTerminate()
    {
        if (_terminating)
        {
            return;
        }

        _terminating = true;
        _suspended = true;
        CancelTimersAndTimeouts();
        ChildEntry[] children;
        lock (_children)
        {
            children = [.. _children.Values];
        }

        foreach (var child in children)
        {
            child.Ref.SendSystem(Terminate.Instance);
        }

        if (children.Length == 0)
        {
            FinishTerminate();
        }
    }

    private ValueTask OnChildTerminated(IInternalActorRef child)
    {
        int remaining;
        lock (_children)
        {
            var name = child.Path[(child.Path.LastIndexOf('/') + 1)..];
            if (_children.TryGetValue(name, out var entry) && ReferenceEquals(entry.Ref, child))
            {
                entry.CancelBackoff();
                _children.Remove(name);
            }

            remaining = _children.Count;
        }

        if (remaining > 0)
        {
            return ValueTask.CompletedTask;
        }

        if (_terminating)
        {
            FinishTerminate();
        }
        else if (_pendingRecreate is { } cause)
        {
            _pendingRecreate = null;
            return FinishRecreate(cause);
        }

        return ValueTask.CompletedTask;
    }

    private void FinishTerminate()
    {
        try
        {
            _actor?.AroundPostStop();
        }
        catch (Exception ex)
        {
            Log.LogError(ex, "PostStop of {Path} threw", SelfRef.Path);
        }

        _terminated = true;
        foreach (var envelope in _stash.Concat(_unstashed))
        {
            ToDeadLetters(envelope);
        }

        _stash.Clear();
        _unstashed.Clear();
        DrainMailboxToDeadLetters();

        // The parent frees the name before any watcher (the parent included) can see Terminated: system messages
        // are handled in order and before user messages, so a watching parent may reuse the name on Terminated.
        if (_parent is not null)
        {
            _parent.SendSystem(new ChildTerminated(SelfRef));
        }

        NotifyWatchersOfDeath();
        if (_parent is null)
        {
            System.OnRootTerminated();
        }

        DrainSystemAfterTermination();
    }

    private ValueTask BeginRecreate(Exception cause)
    {
        if (_terminating)
        {
            return ValueTask.CompletedTask;
        }

        CancelTimersAndTimeouts();
        try
        {
            _actor?.AroundPreRestart(cause, _failedMessage);
        }
        catch (Exception ex)
        {
            Log.LogError(ex, "PreRestart of {Path} threw", SelfRef.Path);
        }

        _failedMessage = null;
        bool hasChildren;
        lock (_children)
        {
            hasChildren = _children.Count > 0;
        }

        if (hasChildren)
        {
            _pendingRecreate = cause;
            return ValueTask.CompletedTask;
        }

        return FinishRecreate(cause);
    }

    private ValueTask FinishRecreate(Exception cause)
    {
        UnstashAll();
        Log.LogInformation("Restarting {Path} after {Cause}", SelfRef.Path, cause.GetType().Name);
        return CreateInstance(cause);
    }

    private void CancelTimersAndTimeouts()
    {
        _timers?.CancelAll();
        SetReceiveTimeout(null);
    }

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || name.StartsWith('$') || name.Contains('/') || name.Any(char.IsControl))
        {
            throw new InvalidActorNameException(
                $"Actor name '{name}' is invalid: it must be non-empty, must not start with '$', and must not contain '/' or control characters.");
        }
    }

    private static string Base36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var chars = new Stack<char>();
        do
        {
            chars.Push(digits[(int)(value % 36)]);
            value /= 36;
        }
        while (value > 0);
        return new string([.. chars]);
    }
}
