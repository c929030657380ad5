using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime;

/// <summary>Failure handling: a failing actor suspends itself and asks its parent, which applies its strategy.</summary>
internal sealed partial class ActorCell
{
    private void HandleInvokeFailure(Exception cause, object? message)
    {
        if (_terminating || _terminated)
        {
            Log.LogError(cause, "Actor {Path} failed while stopping", SelfRef.Path);
            return;
        }

        _suspended = true;
        _failedMessage = message;
        Log.LogError(cause, "Actor {Path} failed on {Message}: {Reason}", SelfRef.Path, message?.GetType().Name ?? "start", cause.Message);
        if (_parent is null)
        {
            Log.LogCritical("The root actor failed; stopping it");
            BeginTerminate();
            return;
        }

        _parent.SendSystem(new Failed(SelfRef, cause));
    }

    private void OnChildFailed(IInternalActorRef child, Exception cause)
    {
        ChildEntry? entry;
        lock (_children)
        {
            entry = _children.Values.FirstOrDefault(c => ReferenceEquals(c.Ref, child));
        }

        if (entry is null || _terminating)
        {
            return;
        }

        var strategy = _actor?.GetSupervisorStrategy() ?? SupervisorStrategy.Default;
        Directive directive;
        try
        {
            directive = strategy.Decider(cause);
        }
        catch (Exception ex)
        {
            Log.LogError(ex, "The supervisor strategy of {Path} threw; escalating", SelfRef.Path);
            directive = Directive.Escalate;
        }

        switch (directive)
        {
            case Directive.Resume:
                child.SendSystem(Resume.Instance);
                break;
            case Directive.Restart:
                RestartChild(entry, strategy, cause);
                break;
            case Directive.Stop:
                child.SendSystem(Terminate.Instance);
                break;
            case Directive.Escalate:
                HandleInvokeFailure(new EscalatedFailureException($"Child '{child.Path}' failed: {cause.Message}", cause), null);
                break;
        }
    }

    private void RestartChild(ChildEntry entry, SupervisorStrategy strategy, Exception cause)
    {
        var restartNumber = entry.Stats.RequestRestart(strategy, System.TimeProvider.GetUtcNow());
        if (restartNumber == 0)
        {
            Log.LogWarning(
                "Stopping {Child}: it failed more than {Max} times within {Window}",
                entry.Ref.Path, strategy.MaxNrOfRetries, strategy.WithinTimeRange);
            entry.Ref.SendSystem(Terminate.Instance);
            return;
        }

        var delay = strategy.BackoffFor(restartNumber);
        if (delay <= TimeSpan.Zero)
        {
            entry.Ref.SendSystem(new Recreate(cause));
            return;
        }

        Log.LogInformation("Restarting {Child} in {Delay} (restart {Number} in the window)", entry.Ref.Path, delay, restartNumber);
        entry.ScheduleBackoff(System.TimeProvider, delay, new Recreate(cause));
    }
}

/// <summary>A child as its parent sees it: the reference, its restart history and a pending back-off.</summary>
internal sealed class ChildEntry(IInternalActorRef reference)
{
    private ITimer? _backoff;

    public IInternalActorRef Ref { get; } = reference;

    public ChildRestartStats Stats { get; } = new();

    public void ScheduleBackoff(TimeProvider time, TimeSpan delay, SystemMessage message)
    {
        CancelBackoff();
        _backoff = time.CreateTimer(static state => ((SystemDelivery)state!).Deliver(), new SystemDelivery(Ref, message), delay, Timeout.InfiniteTimeSpan);
    }

    public void CancelBackoff()
    {
        _backoff?.Dispose();
        _backoff = null;
    }

    private sealed record SystemDelivery(IInternalActorRef Target, SystemMessage Message)
    {
        public void Deliver() => Target.SendSystem(Message);
    }
}
