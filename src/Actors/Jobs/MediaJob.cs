using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Google.Protobuf;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// One media job: a sharded, event-sourced entity. It probes the input, takes speech segments from a
/// <see cref="Workers.SpeechDetector"/> child with explicit demand, sends them to the ASR pool with a bounded number
/// in flight, records each result, then writes the summary and artifacts. Its state is one
/// <see cref="MediaJobState"/>, changed only by applying events (in recovery and live alike); after a restart the
/// job redoes only what is not recorded (results are keyed by segment index, so a duplicate changes nothing).
/// Split by concern: commands and lifecycle here, speech in MediaJob.Speech.cs, the end in MediaJob.Finish.cs.
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

    private void OnRecovered()
    {
        if (_state.Phase == JobState.Running)
        {
            Resume();
        }
        else if (_state.IsTerminal)
        {
            OnEnded();
        }
    }

    /// <summary>
    /// A running job found in recovery begins a new incarnation, recorded with its step — unless the last
    /// <see cref="JobServices.MaxCrashes"/> incarnations all ended without progress and without a clean stop: then the
    /// job is a poison (it stops whatever node runs it) and is quarantined instead of being resumed once more.
    /// </summary>
    private void Resume()
    {
        var strikes = _state.StrikesIfResumed;
        if (strikes >= _services.MaxCrashes)
        {
            _services.Log.LogWarning(
                "Job {JobId} quarantined: its last {Strikes} incarnations ended without progress while {Step}", _jobId, strikes, _state.IncarnationStep);
            EndWith(new JobFailed
            {
                Reason = $"quarantined: it stopped {strikes} nodes while {_state.IncarnationStep} (pbm media retry {_jobId} runs it again on purpose)",
                FailedUnixMs = Now(),
                Quarantined = true,
            });
            return;
        }

        Record(new JobIncarnationStarted { Step = _state.Step, StartedUnixMs = Now(), Node = _node }, () =>
        {
            _services.Log.LogInformation(
                "Job {JobId} resumed while {Step}: {Transcribed} of {Found} speech segments already recorded{Strikes}",
                _jobId, _state.Step, _state.Transcribed.Count, _state.Found.Count,
                strikes > 0 ? $" ({strikes} incarnation(s) in a row ended without progress; quarantined at {_services.MaxCrashes})" : string.Empty);
            Self.Tell(Advance.Instance);
        });
    }

    /// <summary>The shard hands the job to another node (a rebalance or a graceful shutdown): a clean stop, recorded as such.</summary>
    private void OnHandOff()
    {
        if (_state.Phase != JobState.Running)
        {
            Context.Stop(Self);
            return;
        }

        CancelWork();
        Persist(new JobHandedOff { HandedOffUnixMs = Now() }, e =>
        {
            _state = _state.Apply(e);
            Context.Stop(Self);
        });
    }

    /// <summary>Runs a failed or cancelled job again from what it recorded, if its input is still there.</summary>
    private void OnRetry(RetryJob retry)
    {
        var refused = _state.Phase switch
        {
            JobState.New => $"no job '{_jobId}' was started",
            JobState.Running => $"job '{_jobId}' is running",
            JobState.Completed => $"job '{_jobId}' completed; submit its media again to process it again",
            _ when !File.Exists(_state.Spec!.InputPath) => $"job '{_jobId}' cannot run again: its input '{TitleOf(_state.Spec)}' is gone",
            _ => null,
        };
        if (refused is not null)
        {
            Sender.Tell(new RetryJobResult { Progress = Progress(), Refused = refused });
            return;
        }

        var replyTo = Sender;
        _work.Dispose(); // cancelled when the job ended
        _work = new CancellationTokenSource();
        _inFlight.Clear();
        _recognitionFailures.Clear();
        _scenesInFlight.Clear();
        _scenesWaitingToRetry.Clear();
        _sceneFailures.Clear();
        _finishFailures = 0;
        Record(new JobRetried { RetriedUnixMs = Now() }, () =>
        {
            _services.Log.LogInformation("Job {JobId} retried on purpose while {Step}", _jobId, _state.Step);

            // Before this job can end again (messages from one sender arrive in order), the listing shows it running.
            _services.Index.Tell(new RegisterJob { JobId = _jobId, Reopen = true }, ActorRefs.NoSender);
            replyTo.Tell(new RetryJobResult { Progress = Progress() });
            Self.Tell(Advance.Instance);
        });
    }

    private void OnStart(StartJob start)
    {
        if (_state.Spec is not null)
        {
            if (!_state.IsTerminal)
            {
                Self.Tell(Advance.Instance);
            }

            Sender.Tell(Progress());
            return;
        }

        if ((start.Spec.JobId != _jobId ? $"it names job '{start.Spec.JobId}', not '{_jobId}'" : _services.Paths?.Refusal(start.Spec)) is { } refusal)
        {
            // Nothing is recorded: the job stays new (and leaves memory when idle); no file is touched.
            _services.Log.LogWarning("Job {JobId}: refused a start from {Sender}: {Reason}", _jobId, Sender.Path.Address, refusal);
            var refused = Progress();
            refused.State = JobState.Failed;
            refused.Error = JobPaths.Refused + refusal;
            Sender.Tell(refused);
            return;
        }

        var replyTo = Sender;
        Record(new JobAccepted { Spec = start.Spec, AcceptedUnixMs = Now() }, () =>
        {
            _services.Log.LogInformation("Job {JobId} submitted: '{Title}'", _jobId, TitleOf(start.Spec));
            replyTo.Tell(Progress());
            Self.Tell(Advance.Instance);
        });
    }

    private void OnSubscribe(SubscribeToJob subscribe)
    {
        var subscriber = ((ExtendedActorSystem)Context.System).Provider.ResolveActorRef(subscribe.Subscriber);

        // Progress goes only to this node or a cluster member: a subscriber elsewhere would have the node connect out to it.
        var address = subscriber.Path.Address;
        if (!address.HasLocalScope && !Akka.Cluster.Cluster.Get(Context.System).State.Members.Any(m => m.Address.Equals(address)))
        {
            _services.Log.LogWarning("Job {JobId}: refused a subscriber outside the cluster ({Address})", _jobId, address);
            return;
        }

        if (_subscribers.Add(subscriber))
        {
            Context.Watch(subscriber);
        }

        subscriber.Tell(Progress());
    }

    private void OnTerminated(Terminated terminated)
    {
        if (_subscribers.Remove(terminated.ActorRef))
        {
            return;
        }

        OnSpeechDetectorStopped(terminated.ActorRef);
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
                ProbeAsync(spec.InputPath, _work.Token).PipeTo(Self, failure: ex => new ProbeResult(null, $"probing '{spec.InputPath}' failed: {ex.Message}"));
            }

            return;
        }

        AdvanceScenes(spec);
        if (NeedsDetection)
        {
            StartSpeechDetection(spec);
            return;
        }

        FinishIfDone();
    }

    private static async Task<ProbeResult> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var info = await Media.Ffmpeg.MediaProbe.ProbeMediaAsync(path, cancellationToken);
            return new ProbeResult(
                new MediaProbed
                {
                    DurationSeconds = info.Duration?.TotalSeconds ?? 0,
                    Container = info.Container,
                    Streams = info.StreamSummary,
                    HasVideo = info.Video is not null,
                    NoAudio = info.Audio is null,
                },
                null);
        }
        catch (Media.MediaException ex)
        {
            return new ProbeResult(null, ex.Message);
        }
    }

    private void OnProbed(ProbeResult result)
    {
        _probing = false;
        if (_state.IsTerminal)
        {
            return; // cancelled while probing
        }

        if (result.Probed is null)
        {
            EndWith(new JobFailed { Reason = result.Error!, FailedUnixMs = Now() });
            return;
        }

        Record(result.Probed, () =>
        {
            _services.Log.LogInformation(
                "Job {JobId} started: {Duration:0.0} s of media ({Container})", _jobId, result.Probed.DurationSeconds, result.Probed.Container);
            Self.Tell(Advance.Instance);
        });
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
        _services.Segments.Tell(new Workers.DropSegments(_jobId));
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

    /// <summary>
    /// Once ended (now or found so in recovery): the index learns the final progress, the upload (if the node owns
    /// the input) is deleted, and the idle wait before passivation begins.
    /// </summary>
    private void OnEnded()
    {
        _services.Index.Tell(new JobEnded { JobId = _jobId, Final = Progress() });
        ReleaseInput();
        _clock.StartSingle("idle", IdleCheck.Instance, _services.PassivateAfter);
    }

    /// <summary>
    /// Once the job has ended, an input the node owns (an upload, a live recording) leaves the uploads: a completed
    /// job's moves beside its results as <c>media.EXT</c> (the page plays it), a cancelled one's is deleted. A failed
    /// one's stays, so that <c>pbm media retry</c> can run it again (a failure may have been the node's, not the input's).
    /// Idempotent.
    /// </summary>
    private void ReleaseInput()
    {
        if (_state.Spec is not { OwnsInput: true } spec || _state.Phase == JobState.Failed || !File.Exists(spec.InputPath))
        {
            return;
        }

        try
        {
            if (_state.Phase == JobState.Completed && Directory.Exists(spec.OutputDir))
            {
                File.Move(spec.InputPath, Path.Combine(spec.OutputDir, Media.Reports.JobOutput.MediaFileName + Path.GetExtension(spec.InputPath)), overwrite: true);
            }
            else
            {
                File.Delete(spec.InputPath);
            }

            if (Path.GetDirectoryName(spec.InputPath) is { } folder && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _services.Log.LogWarning("Job {JobId}: could not delete its uploaded input {Path}: {Reason}", _jobId, spec.InputPath, ex.Message);
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
            case SceneTimedOut or RetryScene:
                OnSceneTimer(message);
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
