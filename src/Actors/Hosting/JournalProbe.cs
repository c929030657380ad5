using Akka.Actor;
using Akka.Persistence;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// Every <see cref="Interval"/>, asks the journal plugin for the highest sequence number of an id nobody writes (one
/// query through the same plugin, connection pool and circuit breaker the persistent actors use) and the job index for
/// an id nobody has; an error, or no answer within <see cref="Timeout"/>, marks <see cref="NodeHealth"/> failing until
/// the next answer (any answer, to this ask or an earlier one: each proves the part is back).
/// </summary>
internal sealed class JournalProbe : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private const string ProbeId = "readiness-probe";

    private readonly NodeHealth _health;
    private readonly IActorRef _journal;
    private DateTime? _journalAskedAt;
    private DateTime? _indexAskedAt;

    public JournalProbe(NodeHealth health, IActorRef index)
    {
        _health = health;
        _journal = Persistence.Instance.Apply(Context.System).JournalFor(null);
        Receive<Probe>(_ =>
        {
            var now = DateTime.UtcNow;
            if (Due(ref _journalAskedAt, now, () => _health.JournalFailed($"it did not answer within {Timeout.TotalSeconds:0} s")))
            {
                _journal.Tell(new ReplayMessages(1, 0, 0, ProbeId, Self));
            }

            if (Due(ref _indexAskedAt, now, () => _health.IndexFailed($"the job index did not answer within {Timeout.TotalSeconds:0} s")))
            {
                index.Tell(new ListJobs { JobId = ProbeId });
            }
        });
        Receive<RecoverySuccess>(_ =>
        {
            _journalAskedAt = null;
            _health.JournalAnswered();
        });
        Receive<ReplayMessagesFailure>(failure =>
        {
            _journalAskedAt = null;
            _health.JournalFailed(failure.Cause.Message);
        });
        Receive<JobListing>(_ =>
        {
            _indexAskedAt = null;
            _health.IndexAnswered();
        });
        Receive<Status.Failure>(failure =>
        {
            _indexAskedAt = null;
            _health.IndexFailed(failure.Cause.Message);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(NodeHealth health, IActorRef index) => Akka.Actor.Props.Create(() => new JournalProbe(health, index));

    protected override void PreStart() => Timers.StartPeriodicTimer("probe", Probe.Instance, Interval);

    /// <summary>
    /// Whether to ask now (and, if so, notes when): nothing is out, or what is out has gone unanswered past the timeout —
    /// then the part is marked failing (<paramref name="late"/>) and asked again, since its answer, or the question, may
    /// have been lost (a singleton moving off a node that died takes the messages it held).
    /// </summary>
    private static bool Due(ref DateTime? askedAt, DateTime now, Action late)
    {
        if (askedAt is { } asked && now - asked <= Timeout)
        {
            return false;
        }

        if (askedAt is not null)
        {
            late();
        }

        askedAt = now;
        return true;
    }

    private sealed record Probe
    {
        public static Probe Instance { get; } = new();
    }
}
