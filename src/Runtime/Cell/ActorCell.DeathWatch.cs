namespace MediaCluster.Runtime;

/// <summary>Death watch: who this actor watches, who watches it, and the notifications between them.</summary>
internal sealed partial class ActorCell
{
    private readonly HashSet<IActorRef> _watching = [];
    private readonly HashSet<IInternalActorRef> _watchedBy = [];

    public IActorRef Watch(IActorRef subject)
    {
        if (ReferenceEquals(subject, SelfRef) || !_watching.Add(subject))
        {
            return subject;
        }

        if (subject is IInternalActorRef target)
        {
            target.SendSystem(new Watch(target, SelfRef));
        }
        else
        {
            // Not an actor that can die (Nobody, a promise): it counts as already gone.
            Post(new DeliverTerminated(subject), subject);
        }

        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        if (_watching.Remove(subject) && subject is IInternalActorRef target)
        {
            target.SendSystem(new Unwatch(target, SelfRef));
        }

        return subject;
    }

    private void OnWatch(Watch watch)
    {
        if (ReferenceEquals(watch.Watchee, SelfRef) && !ReferenceEquals(watch.Watcher, SelfRef))
        {
            _watchedBy.Add(watch.Watcher);
        }
    }

    private void NotifyWatchersOfDeath()
    {
        foreach (var watcher in _watchedBy)
        {
            watcher.SendSystem(new DeathWatchNotification(SelfRef));
        }

        _watchedBy.Clear();
        foreach (var watched in _watching)
        {
            if (watched is IInternalActorRef target)
            {
                target.SendSystem(new Unwatch(target, SelfRef));
            }
        }

        _watching.Clear();
    }

    /// <summary>System messages that reach a dead actor: a late watcher still learns of the death.</summary>
    private void DrainSystemAfterTermination()
    {
        while (_systemMailbox.TryDequeue(out var message))
        {
            if (message is Watch watch && ReferenceEquals(watch.Watchee, SelfRef))
            {
                watch.Watcher.SendSystem(new DeathWatchNotification(SelfRef));
            }
        }
    }
}
