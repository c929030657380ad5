using Akka.Actor;
using MediaCluster.Media.Video;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>A job's life around its work: recovery, resume or quarantine, hand-off, retry, start, subscribers, the probe, and what happens to its input once it ends.</summary>
public sealed partial class MediaJob
{
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
        _scenesOut.Clear();
        _scanFailures.Clear();
        _batchesOut.Clear();
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

        OnSpeechActorStopped(terminated.ActorRef);
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
                    FrameRate = info.Video?.FrameRate ?? 0,
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
            Phase("probe", _probeStarted, _node);
            _services.Log.LogInformation(
                "Job {JobId} started: {Duration:0.0} s of media ({Container})", _jobId, result.Probed.DurationSeconds, result.Probed.Container);
            Self.Tell(Advance.Instance);
        });
    }

    /// <summary>
    /// Once ended (now or found so in recovery): the index learns the final progress, the upload (if the node owns
    /// the input) is deleted, the scenes' kept frames too, and the idle wait before passivation begins.
    /// </summary>
    private void OnEnded()
    {
        _services.Index.Tell(new JobEnded { JobId = _jobId, Final = Progress() });
        ReleaseInput();
        RemoveSceneFrames();
        _clock.StartSingle("idle", IdleCheck.Instance, _services.PassivateAfter);
    }

    /// <summary>The frames kept for the scenes are done with (a retried job reads them again). Idempotent.</summary>
    private void RemoveSceneFrames()
    {
        _framesKept = false;
        if (_state.Spec is not { } spec)
        {
            return;
        }

        try
        {
            SceneFrameStore.Of(spec.OutputDir).Delete();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _services.Log.LogWarning("Job {JobId}: could not remove its scenes' frames under {Path}: {Reason}", _jobId, spec.OutputDir, ex.Message);
        }
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
}
