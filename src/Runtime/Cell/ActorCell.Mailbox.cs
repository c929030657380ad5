using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime;

/// <summary>
/// Mailbox and scheduling: a lock-free queue for ordinary messages, one for system messages, and a
/// single "scheduled" flag so at most one thread runs the actor at a time. Messages from one sender are
/// processed in the order they were sent. An async handler keeps the flag set until it completes.
/// </summary>
internal sealed partial class ActorCell : IThreadPoolWorkItem
{
    private readonly ConcurrentQueue<Envelope> _mailbox = new();
    private readonly ConcurrentQueue<SystemMessage> _systemMailbox = new();
    private readonly Queue<Envelope> _unstashed = new();
    private readonly int _throughput;
    private int _scheduled;
    private int _systemPending;
    private volatile bool _terminated;
    private bool _suspended = true;

    public void Post(object message, IActorRef? sender)
    {
        _mailbox.Enqueue(new Envelope(message, sender));
        if (_terminated)
        {
            DrainMailboxToDeadLetters();
            return;
        }

        Schedule();
    }

    public void PostSystem(SystemMessage message)
    {
        _systemMailbox.Enqueue(message);
        Interlocked.Increment(ref _systemPending);
        if (_terminated)
        {
            DrainSystemAfterTermination();
            return;
        }

        Schedule();
    }

    /// <summary>
    /// Schedules a run unless one is pending. The plain read first skips the interlocked write while the
    /// actor is busy; it is safe because the runner clears the flag with a full fence before it looks at
    /// the queues again (and the enqueue before this call is itself a full fence).
    /// </summary>
    private void Schedule()
    {
        if (Volatile.Read(ref _scheduled) == 0 && Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            // A message from one actor to an idle one runs best on the same thread (cache-warm);
            // other pool threads steal it when this one is busy.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    void IThreadPoolWorkItem.Execute() => Run();

    private void Run()
    {
        var budget = _throughput;
        while (true)
        {
            if (Volatile.Read(ref _systemPending) != 0)
            {
                var pendingSystem = ProcessSystemMessages();
                if (!pendingSystem.IsCompletedSuccessfully)
                {
                    _ = ContinueAfter(pendingSystem, null);
                    return;
                }
            }

            if (_terminated)
            {
                return;
            }

            if (_suspended)
            {
                break;
            }

            if (budget-- <= 0)
            {
                // Out of budget with work left: keep the flag and go to the back of the global queue, for fairness.
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return;
            }

            if (!TryDequeue(out var envelope))
            {
                break;
            }

            var pending = Invoke(envelope);
            if (!pending.IsCompletedSuccessfully)
            {
                _ = ContinueAfter(pending, envelope.Message);
                return;
            }
        }

        Interlocked.Exchange(ref _scheduled, 0);
        if (Volatile.Read(ref _systemPending) != 0 || (!_suspended && (!_mailbox.IsEmpty || _unstashed.Count > 0)))
        {
            // Raced with a sender (or a resume): run again.
            if (Interlocked.Exchange(ref _scheduled, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }
    }

    /// <summary>Waits for an async handler (or async start) without letting another message in, then resumes the loop.</summary>
    private async Task ContinueAfter(ValueTask pending, object? message)
    {
        try
        {
            await pending;
            if (message is not null)
            {
                AfterMessage(message);
            }
        }
        catch (Exception ex)
        {
            HandleInvokeFailure(ex, message);
        }

        _current = default;
        if (_terminated)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private bool TryDequeue(out Envelope envelope)
    {
        if (_unstashed.Count > 0)
        {
            envelope = _unstashed.Dequeue();
            return true;
        }

        return _mailbox.TryDequeue(out envelope);
    }

    private ValueTask ProcessSystemMessages()
    {
        while (!_terminated && _systemMailbox.TryDequeue(out var message))
        {
            Interlocked.Decrement(ref _systemPending);
            ValueTask pending;
            try
            {
                pending = HandleSystem(message);
            }
            catch (Exception ex)
            {
                Log.LogError(ex, "Actor {Path} failed handling system message {Message}", SelfRef.Path, message.GetType().Name);
                continue;
            }

            if (!pending.IsCompletedSuccessfully)
            {
                return pending;
            }
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask Invoke(Envelope envelope)
    {
        _current = envelope;
        var message = envelope.Message;
        try
        {
            if (message is IAutoReceived)
            {
                switch (message)
                {
                    case TimerFired fired:
                        if (_timers?.Resolve(fired) is not { } timed)
                        {
                            return ValueTask.CompletedTask;
                        }

                        message = timed;
                        _current = new Envelope(timed, ActorRefs.Nobody);
                        break;
                    case ReceiveTimeoutFired tick:
                        if (tick.Generation != _receiveTimeoutGeneration)
                        {
                            return ValueTask.CompletedTask;
                        }

                        message = ReceiveTimeout.Instance;
                        break;
                    case DeliverTerminated dead:
                        if (!_watching.Remove(dead.Actor))
                        {
                            return ValueTask.CompletedTask;
                        }

                        message = new Terminated(dead.Actor);
                        break;
                    case PoisonPill:
                        Stop(Self);
                        return ValueTask.CompletedTask;
                }
            }

            var pending = _actor!.AroundReceive(message);
            if (pending.IsCompletedSuccessfully)
            {
                AfterMessage(message);
                _current = default;
            }

            return pending;
        }
        catch (Exception ex)
        {
            HandleInvokeFailure(ex, message);
            _current = default;
            return ValueTask.CompletedTask;
        }
    }

    private void AfterMessage(object message)
    {
        if (_receiveTimeout is not null && message is not INotInfluenceReceiveTimeout)
        {
            ArmReceiveTimeout();
        }
    }

    /// <summary>Safe from any thread: a message that raced with termination still reaches dead letters.</summary>
    private void DrainMailboxToDeadLetters()
    {
        while (_mailbox.TryDequeue(out var envelope))
        {
            ToDeadLetters(envelope);
        }
    }

    private void ToDeadLetters(Envelope envelope)
    {
        if (envelope.Message is TimerFired or ReceiveTimeoutFired or DeliverTerminated)
        {
            return;
        }

        System.DeadLetters.Tell(new DeadLetter(envelope.Message, envelope.Sender, SelfRef), envelope.Sender);
    }
}
