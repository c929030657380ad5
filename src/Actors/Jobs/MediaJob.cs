using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Google.Protobuf;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// One media job: a sharded, event-sourced entity. It probes the input, streams its audio to a VAD session on a gpu
/// node with explicit demand, records each speech segment found and has it recognised there with a bounded number
/// in flight, records each result, then writes the summary and artifacts. Its state is one
/// <see cref="MediaJobState"/>, changed only by applying events (in recovery and live alike); after a restart the
/// job redoes only what is not recorded (results are keyed by segment index, so a duplicate changes nothing).
/// Split by concern: commands, recording and timers here, its life around the work (recovery, quarantine, retry,
/// start, the probe, the input once ended) in MediaJob.Lifecycle.cs, speech in MediaJob.Speech.cs, scenes in
/// MediaJob.Scenes.cs, the speakers in MediaJob.Speakers.cs, the end in MediaJob.Finish.cs.
/// </summary>
public sealed partial class MediaJob : ReceivePersistentActor
{
    private readonly string _jobId;
    private readonly JobServices _services;
    private readonly ActorClock _clock;
    private readonly HashSet<IActorRef> _subscribers = [];
    private readonly string _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
    private MediaJobState _state = MediaJobState.Empty;

    // The work this incarnation runs off the actor (ffprobe, scene detection, artifacts): cancelled when the job ends or
    // the actor stops, which kills the ffmpeg processes under it.
    private CancellationTokenSource _work = new();
    private bool _probing;

    public MediaJob(string jobId, JobServices services)
    {
        _jobId = jobId;
        _services = services;
        _clock = new ActorClock(services.Time, Self);
        Recover<IMessage>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());
        Command<StartJob>(OnStart);
        Command<SubscribeToJob>(OnSubscribe);
        Command<GetJobProgress>(_ => Sender.Tell(Progress()));
        Command<CancelJob>(cancel =>
        {
            if (_state.Phase == JobState.New)
            {
                Sender.Tell(Progress()); // nothing was started, so nothing to record
                return;
            }

            EndWith(new JobCancelled { Reason = cancel.Reason, CancelledUnixMs = Now() });
            DeferAsync(cancel, _ => Sender.Tell(Progress()));
        });
        Command<ActorClock.Tick>(tick =>
        {
            if (_clock.IsCurrent(tick))
            {
                OnTimer(tick.Message);
            }
        });
        Command<StopJob>(_ => Context.Stop(Self));
        Command<HandOff>(_ => OnHandOff());
        Command<RetryJob>(OnRetry);
        Command<Advance>(_ => AdvanceJob());
        Command<ProbeResult>(OnProbed);
        Command<Terminated>(OnTerminated);
        DefineSpeech();
        DefineScenes();
        DefineText();
        DefineSpeakers();
        DefineFinish();
    }

    /// <inheritdoc/>
    public override string PersistenceId => "job-" + _jobId;

    /// <summary>The entity's props for the shard region.</summary>
    public static Props Props(string jobId, JobServices services) => Akka.Actor.Props.Create(() => new MediaJob(jobId, services));

    /// <summary>The name shown for a job: its title, else its input's file name.</summary>
    public static string TitleOf(JobSpec spec) => spec.Title is { Length: > 0 } title ? title : Path.GetFileName(spec.InputPath);

    /// <inheritdoc/>
    protected override bool AroundReceive(Receive receive, object message)
    {
        var handled = base.AroundReceive(receive, message);
        if (MayPassivate && message is not ActorClock.Tick && !IsRecovering)
        {
            // An ended job (or an id asked about but never started) leaves memory after PassivateAfter without
            // messages; every message re-arms the wait.
            _clock.StartSingle("idle", IdleCheck.Instance, _services.PassivateAfter);
        }

        return handled;
    }

    /// <summary>A failing speech detector is stopped, not restarted (a restart would lose its demand): the job then fails naming it.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    /// <inheritdoc/>
    protected override void PostStop()
    {
        CancelWork();
        _work.Dispose();
        _clock.Dispose();
        base.PostStop();
    }

    /// <summary>Stops whatever this incarnation runs off the actor; a process already gone while being killed is no error.</summary>
    private void CancelWork()
    {
        try
        {
            _work.Cancel();
        }
        catch (AggregateException ex)
        {
            _services.Log.LogWarning("Job {JobId}: stopping its work: {Reason}", _jobId, ex.InnerException?.Message);
        }
    }

    /// <summary>Ended, or never started: nothing to do, so the entity may leave memory when idle.</summary>
    private bool MayPassivate => _state.IsTerminal || _state.Phase == JobState.New;

    private long Now() => _services.Time.GetUtcNow().ToUnixTimeMilliseconds();

    private JobProgress Progress()
    {
        var progress = _state.Progress(_jobId);
        progress.Node = _node;
        return progress;
    }

    /// <summary>Re-examines the state and starts whatever step is next.</summary>
    private void AdvanceJob()
    {
        if (_state.IsTerminal || _state.Spec is not { } spec)
        {
            return;
        }

        if (_state.Probed is null)
        {
            if (!_probing)
            {
                _probing = true;
                _probeStarted = DateTimeOffset.UtcNow;
                ProbeAsync(spec.InputPath, _work.Token).PipeTo(Self, failure: ex => new ProbeResult(null, $"probing '{spec.InputPath}' failed: {ex.Message}"));
            }

            return;
        }

        AdvanceScenes(spec);
        if (NeedsDetection)
        {
            StartSpeechDetection();
            return;
        }

        FinishIfDone();
    }

    /// <summary>Persists <paramref name="e"/>, applies it, tells subscribers, then runs <paramref name="then"/>.</summary>
    private void Record(IMessage e, Action? then = null) => Record([e], then);

    /// <summary>Persists <paramref name="events"/> in one write and applies each; after the last, tells subscribers and runs <paramref name="then"/>.</summary>
    private void Record(IReadOnlyList<IMessage> events, Action? then)
    {
        var last = events[^1];
        PersistAll(events, persisted =>
        {
            _state = _state.Apply(persisted);
            if (ReferenceEquals(persisted, last))
            {
                Notify();
                then?.Invoke();
            }
        });
    }

    private void Notify()
    {
        // An ended job settles first (its upload moved beside the results or deleted), so that whoever hears of the end
        // finds things as they stay.
        if (_state.IsTerminal)
        {
            OnEnded();
        }

        var progress = Progress();
        foreach (var subscriber in _subscribers)
        {
            subscriber.Tell(progress);
        }
    }

    /// <summary>Ends the job with <see cref="JobFailed"/>, <see cref="JobCancelled"/> or <see cref="JobCompleted"/>, once.</summary>
    private void EndWith(IMessage terminal)
    {
        if (_state.IsTerminal)
        {
            return;
        }

        StopSpeechDetection();
        CancelWork();
        if (terminal is JobFailed failure && _state.Spec is { Title.Length: > 0 } spec)
        {
            // An upload's stored path means nothing to its sender: name the file as they did.
            failure.Reason = failure.Reason.Replace(spec.InputPath, spec.Title, StringComparison.Ordinal);
        }

        Record(terminal, LogEnd);
    }

    private void LogEnd()
    {
        switch (_state.Phase)
        {
            case JobState.Completed:
                var seconds = (_state.EndedUnixMs - _state.AcceptedUnixMs) / 1000.0;
                var media = _state.Probed?.DurationSeconds ?? 0;
                _services.Log.LogInformation(
                    "Job {JobId} completed in {Seconds:0.0} s (real-time factor {Rtf:0.000}): {Segments} speech segments",
                    _jobId, seconds, media > 0 ? seconds / media : 0, _state.Transcribed.Count);
                break;
            case JobState.Failed:
                _services.Log.LogWarning("Job {JobId} failed: {Reason}", _jobId, _state.Error);
                break;
            case JobState.Cancelled:
                _services.Log.LogInformation("Job {JobId} cancelled: {Reason}", _jobId, _state.Error);
                break;
        }
    }

    private void OnTimer(object message)
    {
        switch (message)
        {
            case IdleCheck when MayPassivate && !_finishing:
                Context.Parent.Tell(new Passivate(StopJob.Instance));
                break;
            case RetrySegment retry:
                Retry(retry);
                break;
            case PieceTimedOut or RetryPiece:
                OnPieceTimer(message);
                break;
            case RetryFinish:
                FinishIfDone();
                break;
        }
    }

    /// <summary>The shard's stop message when it hands the job's shard to another node.</summary>
    public sealed record HandOff
    {
        public static HandOff Instance { get; } = new();
    }

    /// <summary>The shard's answer to <see cref="Passivate"/>: stop now.</summary>
    private sealed record StopJob
    {
        public static StopJob Instance { get; } = new();
    }

    private sealed record IdleCheck
    {
        public static IdleCheck Instance { get; } = new();
    }

    /// <summary>Re-examines the state and starts whatever step is next.</summary>
    private sealed record Advance
    {
        public static Advance Instance { get; } = new();
    }

    private sealed record ProbeResult(MediaProbed? Probed, string? Error);
}
