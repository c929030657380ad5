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
            // An ask still unanswered past the timeout marks the part failing and is asked again (its answer, or the
            // question, may have been lost: a singleton moving off a node that died takes the messages it held).
            var now = DateTime.UtcNow;
            if (_journalAskedAt is { } journalAsked && now - journalAsked > Timeout)
            {
                _health.JournalFailed($"it did not answer within {Timeout.TotalSeconds:0} s");
                _journalAskedAt = null;
            }

            if (_journalAskedAt is null)
            {
                _journalAskedAt = now;
                _journal.Tell(new ReplayMessages(1, 0, 0, ProbeId, Self));
            }

            if (_indexAskedAt is { } indexAsked && now - indexAsked > Timeout)
            {
                _health.IndexFailed($"the job index did not answer within {Timeout.TotalSeconds:0} s");
                _indexAskedAt = null;
            }

            if (_indexAskedAt is null)
            {
                _indexAskedAt = now;
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

    private sealed record Probe
    {
        public static Probe Instance { get; } = new();
    }
}
