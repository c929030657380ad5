using Akka.Actor;
using Akka.Event;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>
/// A jobs node's jobs waiting for a VAD session, pulled by the VAD workers of every gpu node like segments are
/// (<see cref="VadWorkers"/> register with <see cref="RegisterVadWorkers"/>; the queue announces
/// <see cref="VadWaiting"/>; a node with a free VAD slot asks with <see cref="RequestVad"/> and gets one job's
/// <see cref="VadWanted"/>, sent as from the job so that its session answers the job, or <see cref="NoVad"/>). A
/// request handed to a node stays the queue's until the job says a session opened (<see cref="VadTaken"/>); if that
/// node goes away first, the request goes back to the front. A job that stops, or withdraws, leaves the queue.
/// </summary>
public sealed class VadQueue : ReceiveActor
{
    /// <summary>The queue's name under /user on every jobs node (where gpu nodes find it).</summary>
    public const string Name = "vad";

    private readonly LinkedList<(VadWanted Want, IActorRef Job)> _waiting = new();
    private readonly Dictionary<IActorRef, (VadWanted Want, IActorRef Workers)> _handed = [];
    private readonly HashSet<IActorRef> _workers = [];
    private readonly VadMetrics _gauge;

    public VadQueue(VadMetrics metrics)
    {
        _gauge = metrics;
        Receive<VadWanted>(want =>
        {
            if (!_handed.ContainsKey(Sender) && !_waiting.Any(w => w.Job.Equals(Sender)))
            {
                Context.Watch(Sender);
                _waiting.AddLast((want, Sender));
                Announce();
            }
        });
        Receive<VadTaken>(_ => _handed.Remove(Sender));
        Receive<WithdrawVad>(_ => Forget(Sender));
        Receive<RegisterVadWorkers>(_ =>
        {
            if (_workers.Add(Sender))
            {
                Context.Watch(Sender);
                if (_waiting.Count > 0)
                {
                    Sender.Tell(new VadWaiting());
                }
            }
        });
        Receive<RequestVad>(_ => Hand(Sender));
        Receive<Terminated>(terminated =>
        {
            if (_workers.Remove(terminated.ActorRef))
            {
                GiveBack(terminated.ActorRef);
            }
            else
            {
                Forget(terminated.ActorRef);
            }
        });
    }

    public static Props Props(VadMetrics metrics) => Akka.Actor.Props.Create(() => new VadQueue(metrics));

    private void Hand(IActorRef workers)
    {
        if (_workers.Add(workers))
        {
            Context.Watch(workers);
        }

        if (_waiting.First is not { } first)
        {
            workers.Tell(new NoVad());
            return;
        }

        _waiting.RemoveFirst();
        var (want, job) = first.Value;
        _handed[job] = (want, workers);
        workers.Tell(want, job);
        Gauge();
    }

    private void Forget(IActorRef job)
    {
        _handed.Remove(job);
        for (var node = _waiting.First; node is not null; node = node.Next)
        {
            if (node.Value.Job.Equals(job))
            {
                _waiting.Remove(node);
                break;
            }
        }

        Context.Unwatch(job);
        Gauge();
    }

    /// <summary>A gpu node is gone: the requests it took and opened no session for go back to the front.</summary>
    private void GiveBack(IActorRef workers)
    {
        var lost = _handed.Where(h => h.Value.Workers.Equals(workers)).Select(h => h.Key).ToList();
        foreach (var job in lost)
        {
            _waiting.AddFirst((_handed[job].Want, job));
            _handed.Remove(job);
        }

        if (lost.Count > 0)
        {
            Context.GetLogger().Warning("VAD workers {0} went away before opening {1} session(s); they go to another node", workers.Path.Address, lost.Count);
            Announce();
        }
    }

    private void Announce()
    {
        foreach (var workers in _workers)
        {
            workers.Tell(new VadWaiting());
        }

        Gauge();
    }

    private void Gauge() => _gauge.Waiting = _waiting.Count;
}
