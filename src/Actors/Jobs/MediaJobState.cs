using System.Collections.Immutable;
using Google.Protobuf;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// Everything a <see cref="MediaJob"/> knows, as one immutable value. <see cref="Apply"/> is the only place it
/// changes: recovery replays the journal through it, and live handling applies each event once it is persisted.
/// </summary>
public sealed record MediaJobState
{
    /// <summary>The state of a job nobody has started.</summary>
    public static MediaJobState Empty { get; } = new();

    public JobState Phase { get; private init; } = JobState.New;

    /// <summary>Why the job failed or was cancelled.</summary>
    public string? Error { get; private init; }

    public JobSpec? Spec { get; private init; }

    public long AcceptedUnixMs { get; private init; }

    public long EndedUnixMs { get; private init; }

    public MediaProbed? Probed { get; private init; }

    /// <summary>Speech segments found so far, by index.</summary>
    public ImmutableSortedDictionary<int, SpeechSegmentFound> Found { get; private init; } = ImmutableSortedDictionary<int, SpeechSegmentFound>.Empty;

    /// <summary>Recorded recognition results, by segment index (a second result for an index is never recorded).</summary>
    public ImmutableSortedDictionary<int, SegmentTranscribed> Transcribed { get; private init; } = ImmutableSortedDictionary<int, SegmentTranscribed>.Empty;

    public bool DetectionComplete { get; private init; }

    public SummaryWritten? Summary { get; private init; }

    /// <summary>A video's scenes, once cut detection is done.</summary>
    public ScenesDetected? Scenes { get; private init; }

    /// <summary>Recorded scene labels, by scene index (a second answer for an index is never recorded).</summary>
    public ImmutableSortedDictionary<int, SceneClassified> Classified { get; private init; } = ImmutableSortedDictionary<int, SceneClassified>.Empty;

    /// <summary>The text model's labels for the transcript's texts, by batch (recorded once each).</summary>
    public ImmutableSortedDictionary<int, TextClassified> TextLabels { get; private init; } = ImmutableSortedDictionary<int, TextClassified>.Empty;

    /// <summary>Who spoke when, once found (null before, and for a job whose speakers are not found).</summary>
    public SpeakersFound? Speakers { get; private init; }

    /// <summary>The names users gave speakers (spk1 → "Anna"), the last given for each.</summary>
    public ImmutableSortedDictionary<string, string> SpeakerNames { get; private init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The input has a picture stream: scenes are part of the job.</summary>
    public bool HasVideo => Probed?.HasVideo == true;

    /// <summary>Speech is done: there is no audio, or detection is over and every segment found has its result.</summary>
    public bool SpeechDone => Probed?.NoAudio == true || (DetectionComplete && Transcribed.Count >= Found.Count);

    /// <summary>Scenes are done: there is no video, or every scene found has its labels.</summary>
    public bool ScenesDone => !HasVideo || (Scenes is not null && Classified.Count >= Scenes.Scenes.Count);

    public bool IsTerminal => Phase.IsTerminal();

    /// <summary>Failed as a poison job: its incarnations kept ending without progress.</summary>
    public bool Quarantined { get; private init; }

    /// <summary>Incarnations in a row (before the current one) that ended without progress and without a clean stop.</summary>
    public int Strikes { get; private init; }

    /// <summary>The current incarnation began and has not stopped cleanly (a recovery that finds it so finds a crash).</summary>
    private bool IncarnationOpen { get; init; }

    /// <summary>The current incarnation recorded progress.</summary>
    private bool ProgressSinceIncarnation { get; init; }

    /// <summary>
    /// What <see cref="Strikes"/> becomes if a new incarnation begins now: reset by progress, one more if the last
    /// incarnation ended without a clean stop.
    /// </summary>
    public int StrikesIfResumed => ProgressSinceIncarnation ? 0 : IncarnationOpen ? Strikes + 1 : Strikes;

    /// <summary>The step the incarnation that began last was at, as recorded.</summary>
    public string IncarnationStep { get; private init; } = "probing the input";

    /// <summary>What a running job is doing now, in words (what a quarantine names).</summary>
    public string Step
    {
        get
        {
            if (Probed is null)
            {
                return "probing the input";
            }

            var steps = new List<string>();
            if (!ScenesDone)
            {
                steps.Add(Scenes is null ? "finding scenes" : "labelling scenes");
            }

            if (!SpeechDone)
            {
                steps.Add(DetectionComplete ? "recognising speech" : "detecting speech");
            }

            return steps.Count > 0 ? string.Join(" and ", steps) : TextLabels.Count > 0 ? "labelling the text" : "writing the results";
        }
    }

    /// <summary>Speech and scenes are done: time for the summary and artifacts.</summary>
    public bool ReadyToFinish => !IsTerminal && SpeechDone && ScenesDone && Spec is not null;

    /// <summary>
    /// The state after <paramref name="e"/>. An event this type does not know, or any event after the job ended, is an
    /// error, never ignored (the actor checks before it persists, so only a corrupt journal can hold one).
    /// </summary>
    public MediaJobState Apply(IMessage e) => IsTerminal
        ? e is SpeakerRenamed renamed && Phase is JobState.Completed
            ? this with { SpeakerNames = SpeakerNames.SetItem(renamed.Speaker, renamed.Name) }
            : e is JobRetried && Phase is JobState.Failed or JobState.Cancelled
            ? this with
            {
                Phase = JobState.Running, Error = null, EndedUnixMs = 0, Quarantined = false, Strikes = 0,
                IncarnationOpen = true, ProgressSinceIncarnation = false, IncarnationStep = Step,
            }
            : throw new InvalidOperationException($"a media job that ended ({Phase}) has no rule for a later event {e.Descriptor.FullName}")
        : e switch
    {
        JobAccepted accepted => this with
        {
            Spec = accepted.Spec, AcceptedUnixMs = accepted.AcceptedUnixMs, Phase = JobState.Running, IncarnationOpen = true, IncarnationStep = Step,
        },
        JobIncarnationStarted started => this with
        {
            Strikes = StrikesIfResumed, IncarnationOpen = true, ProgressSinceIncarnation = false, IncarnationStep = started.Step,
        },
        JobHandedOff => this with { IncarnationOpen = false },
        MediaProbed probed => Progressed() with { Probed = probed },
        SpeechSegmentFound found => Progressed() with { Found = Found.SetItem(found.Index, found) },
        SpeechDetectionCompleted => Progressed() with { DetectionComplete = true },
        SegmentTranscribed transcribed => Transcribed.ContainsKey(transcribed.Index) ? this : Progressed() with { Transcribed = Transcribed.Add(transcribed.Index, transcribed) },
        SummaryWritten summary => Progressed() with { Summary = summary },
        ScenesDetected scenes => Progressed() with { Scenes = scenes },
        SceneClassified classified => Classified.ContainsKey(classified.Index) ? this : Progressed() with { Classified = Classified.Add(classified.Index, classified) },
        TextClassified labels => TextLabels.ContainsKey(labels.Batch) ? this : Progressed() with { TextLabels = TextLabels.Add(labels.Batch, labels) },
        SpeakersFound speakers => Speakers is not null ? this : Progressed() with { Speakers = speakers },
        ArtifactsWritten => this,
        JobCompleted completed => this with { Phase = JobState.Completed, EndedUnixMs = completed.CompletedUnixMs },
        JobFailed failed => this with { Phase = JobState.Failed, Error = failed.Reason, EndedUnixMs = failed.FailedUnixMs, Quarantined = failed.Quarantined },
        JobCancelled cancelled => this with { Phase = JobState.Cancelled, Error = cancelled.Reason, EndedUnixMs = cancelled.CancelledUnixMs },
        _ => throw new InvalidOperationException($"a media job has no rule for the event {e.Descriptor.FullName}"),
    };

    private MediaJobState Progressed() => ProgressSinceIncarnation ? this : this with { ProgressSinceIncarnation = true };

    /// <summary>The job's progress as subscribers and the API see it.</summary>
    public JobProgress Progress(string jobId) => new()
    {
        JobId = jobId,
        State = Phase,
        Error = Error ?? string.Empty,
        Title = Spec is null ? string.Empty : MediaJob.TitleOf(Spec),
        AcceptedUnixMs = AcceptedUnixMs,
        EndedUnixMs = EndedUnixMs,
        DurationSeconds = Probed?.DurationSeconds ?? 0,
        SegmentsFound = Found.Count,
        SegmentsTranscribed = Transcribed.Count,
        SpeechDetectionComplete = DetectionComplete,
        ScenesFound = Scenes?.Scenes.Count ?? 0,
        ScenesClassified = Classified.Count,
        Quarantined = Quarantined,
    };
}
