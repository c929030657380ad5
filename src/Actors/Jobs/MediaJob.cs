using Microsoft.Extensions.Logging;
using MediaCluster.Messages.Jobs;
using MediaCluster.Runtime;
using MediaCluster.Runtime.Persistence;
using MediaCluster.Runtime.Streams;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// One media job, event-sourced. It probes the input, takes speech segments from a
/// <see cref="Workers.SpeechDetector"/> over a credit-based stream, sends them to the ASR pool with a bounded
/// number in flight, records each result as an event, then writes the summary and artifacts. After a restart
/// it redoes only what is not recorded: results are keyed by segment index, so a duplicate changes nothing.
/// Split by concern: state and recovery here, the work in MediaJob.Work.cs, the end in MediaJob.Finish.cs.
/// </summary>
public sealed partial class MediaJob : PersistentActor
{
    private readonly string _jobId;
    private readonly JobServices _services;
    private readonly SortedDictionary<int, SpeechSegmentFound> _found = [];
    private readonly SortedDictionary<int, SegmentTranscribed> _transcribed = [];
    private readonly HashSet<IActorRef> _subscribers = [];
    private JobSpec? _spec;
    private MediaProbed? _probed;
    private bool _detectionComplete;
    private string _state = JobStates.New;
    private string? _failure;

    public MediaJob(string jobId, JobServices services)
    {
        _jobId = jobId;
        _services = services;
        Recover<JobAccepted>(e => Apply(e));
        Recover<MediaProbed>(e => Apply(e));
        Recover<SpeechSegmentFound>(e => Apply(e));
        Recover<SpeechDetectionCompleted>(e => Apply(e));
        Recover<SegmentTranscribed>(e => Apply(e));
        Recover<SummaryWritten>(_ => { });
        Recover<ArtifactsWritten>(_ => { });
        Recover<JobCompleted>(_ => _state = JobStates.Completed);
        Recover<JobFailed>(e => (_state, _failure) = (JobStates.Failed, e.Reason));
        Recover<JobCancelled>(e => (_state, _failure) = (JobStates.Cancelled, e.Reason));
        Recover<RecoveryCompleted>(_ =>
        {
            if (_state == JobStates.Running)
            {
                Self.Tell(Advance.Instance);
            }
            else if (IsTerminal)
            {
                Ended();
            }
        });
        DefineWork();
    }

    /// <inheritdoc/>
    public override string PersistenceId => "job-" + _jobId;

    private bool IsTerminal => _state is JobStates.Completed or JobStates.Failed or JobStates.Cancelled;

    private void Apply(JobAccepted e)
    {
        _spec = e.Spec;
        _state = JobStates.Running;
    }

    private void Apply(MediaProbed e) => _probed = e;

    private void Apply(SpeechSegmentFound e) => _found[e.Index] = e;

    private void Apply(SpeechDetectionCompleted e) => _detectionComplete = true;

    private void Apply(SegmentTranscribed e) => _transcribed[e.Index] = e;

    private JobProgress Progress() => new()
    {
        JobId = _jobId,
        State = _failure is null ? _state : $"{_state}: {_failure}",
        DurationSeconds = _probed?.DurationSeconds ?? 0,
        SegmentsFound = _found.Count,
        SegmentsTranscribed = _transcribed.Count,
        SpeechDetectionComplete = _detectionComplete,
    };

    private void Notify()
    {
        var progress = Progress();
        foreach (var subscriber in _subscribers)
        {
            subscriber.Tell(progress, Self);
        }

        if (IsTerminal)
        {
            Ended();
        }
    }

    /// <summary>
    /// Once ended: the upload (if the node owns the input) is deleted, and after <see cref="JobServices.PassivateAfter"/>
    /// without messages the job asks its shard to passivate it (the index answers for it; a later message recovers it).
    /// </summary>
    private void Ended()
    {
        ReleaseInput();
        Context.SetReceiveTimeout(_services.PassivateAfter);
    }

    /// <summary>Deletes an input the node owns (an upload) once the job has ended; idempotent.</summary>
    private void ReleaseInput()
    {
        if (_spec is not { OwnsInput: true } spec || !File.Exists(spec.InputPath))
        {
            return;
        }

        try
        {
            File.Delete(spec.InputPath);
            if (Path.GetDirectoryName(spec.InputPath) is { } folder && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.LogWarning("Job {JobId}: could not delete its uploaded input {Path}: {Reason}", _jobId, spec.InputPath, ex.Message);
        }
    }

    /// <summary>The shard's answer to <see cref="Passivate"/>: stop now.</summary>
    private sealed record StopJob
    {
        public static StopJob Instance { get; } = new();
    }

    /// <summary>Re-examines the state and starts whatever step is next.</summary>
    private sealed record Advance
    {
        public static Advance Instance { get; } = new();
    }

    private sealed record ProbeResult(MediaProbed? Probed, string? Error);

    private sealed record Finished(SummaryWritten? Summary, ArtifactsWritten? Artifacts, string? Error);

    private StreamInlet? _inlet;
    private IActorRef? _detector;
    private SlotState _vadSlot;

    /// <summary>Where the job stands with its VAD slot.</summary>
    private enum SlotState
    {
        None,
        Asked,
        Held,
    }
}
