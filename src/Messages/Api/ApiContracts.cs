using System.Text.Json;
using System.Text.Json.Serialization;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Messages.Api;

/// <summary>The HTTP API's JSON settings (snake_case names), used by the node and by pbm alike.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "'" stays "'" (responses are JSON, never HTML)
    };
}

/// <summary>
/// A job as the API shows it (GET /api/jobs, /api/jobs/ID, and each server-sent progress event); <c>Node</c> is the
/// cluster member holding it (for an ended job, the last one).
/// </summary>
public sealed record JobInfo(
    string Id,
    string State,
    string? Error,
    string Title,
    DateTimeOffset? SubmittedAt,
    double ElapsedSeconds,
    double DurationSeconds,
    int SegmentsFound,
    int SegmentsTranscribed,
    bool SpeechDetectionComplete,
    string? Node,
    bool Quarantined = false)
{
    [JsonIgnore]
    public bool IsTerminal => StateOf(State) is { } state && state.IsTerminal();

    /// <summary>Share of the work done, 0–1: transcribed of found, held below 1 until every segment is found.</summary>
    [JsonIgnore]
    public double Done => State == "completed" ? 1
        : SegmentsFound == 0 ? 0
        : SpeechDetectionComplete ? (double)SegmentsTranscribed / SegmentsFound
        : 0.95 * SegmentsTranscribed / SegmentsFound;

    /// <summary>The API's word for a state.</summary>
    public static string StateName(JobState state) => state switch
    {
        JobState.New => "new",
        JobState.Running => "running",
        JobState.Completed => "completed",
        JobState.Failed => "failed",
        JobState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "a job state the API has no word for"),
    };

    /// <summary>The state the API's word names, or null for a word it does not use.</summary>
    public static JobState? StateOf(string name) =>
        Enum.GetValues<JobState>().Cast<JobState?>().FirstOrDefault(s => StateName(s!.Value) == name);

    /// <summary>The view of a job's progress; elapsed time runs to <paramref name="now"/> until the job ends.</summary>
    public static JobInfo Of(JobProgress p, DateTimeOffset now)
    {
        DateTimeOffset? submitted = p.AcceptedUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(p.AcceptedUnixMs) : null;
        var end = p.EndedUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(p.EndedUnixMs) : now;
        return new JobInfo(
            p.JobId,
            StateName(p.State),
            p.Error is { Length: > 0 } error ? error : null,
            p.Title,
            submitted,
            submitted is { } start ? Math.Max(0, (end - start).TotalSeconds) : 0,
            p.DurationSeconds,
            p.SegmentsFound,
            p.SegmentsTranscribed,
            p.SpeechDetectionComplete,
            p.Node is { Length: > 0 } node ? node : null,
            p.Quarantined);
    }
}

/// <summary>GET /api/limits: what the node accepts, so a client can refuse early and say why.</summary>
public sealed record NodeLimits(long MaxUploadBytes);

/// <summary>POST /api/jobs answered 202: the new job.</summary>
public sealed record SubmitResponse(string Id, string Title);

/// <summary>POST /api/jobs with JSON: a file inside the node's allowed roots, and the job's choices (those of an upload's form fields).</summary>
public sealed record SubmitPathRequest(string? Path, string? ClipTasks = null, int? Speakers = null, int? MinSpeakers = null, int? MaxSpeakers = null)
{
    /// <summary>The choices given, by their field names.</summary>
    public IReadOnlyDictionary<string, string> Choices() => new[]
    {
        ("clip_tasks", ClipTasks), ("speakers", Speakers?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("min_speakers", MinSpeakers?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("max_speakers", MaxSpeakers?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    }.Where(c => c.Item2 is not null).ToDictionary(c => c.Item1, c => c.Item2!, StringComparer.Ordinal);
}

/// <summary>GET /api/jobs/ID/speakers: one speaker of a completed job — its id (spk1), name (its id until named), speaking time and turns.</summary>
public sealed record SpeakerInfo(string Id, string Name, double Seconds, int Turns);

/// <summary>POST /api/jobs/ID/speakers/SPEAKER: the name to give the speaker.</summary>
public sealed record RenameSpeakerRequest(string? Name);

/// <summary>
/// POST /api/jobs/ID/cuts/chapters or /split: the copies of a completed video job's media made from its scenes —
/// <c>chapters</c> (one file, a chapter per scene) or <c>split</c> (a file per scene) — each fetched from
/// GET /api/jobs/ID/cuts/NAME.
/// </summary>
public sealed record SceneCuts(string Kind, IReadOnlyList<SceneCutFile> Files);

/// <summary>
/// One file of <see cref="SceneCuts"/>: its name and size; for a scene's file, the scene (1-based), its span in seconds,
/// and whether its packets were copied or it was re-encoded, with why.
/// </summary>
public sealed record SceneCutFile(string Name, long Bytes, int? Scene, double Start, double End, bool Copied, string Note);

/// <summary>Any refusal: what went wrong, naming the cause.</summary>
public sealed record ApiError(string Error);

/// <summary>GET /api/cluster: the members as the answering node sees them.</summary>
public sealed record ClusterInfo(string Self, string? Leader, string? Oldest, IReadOnlyList<MemberInfo> Members);

/// <summary>One member: its address, roles, status (joining, up, leaving, exiting, down, removed) and reachability.</summary>
public sealed record MemberInfo(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable);

/// <summary>GET /api/cluster/nodes: what one member is doing now.</summary>
public sealed record NodeStatusInfo(string Address, int AsrSlots, int AsrBusy, int AsrQueue, int LiveSessions, int LiveStreams, double AsrRealtimeFactor);

/// <summary>GET /api/cluster/sharding/NAME: a shard region's shards and entities per node.</summary>
public sealed record RegionStats(string Name, IReadOnlyList<RegionInfo> Regions);

/// <summary>One node's part of a shard region.</summary>
public sealed record RegionInfo(string Address, int Shards, int Entities);

/// <summary>POST /api/cluster/leave and /down: the member meant.</summary>
public sealed record MemberRequest(string? Address);

/// <summary>What a cluster command did, in words.</summary>
public sealed record ClusterCommandResult(string Message);

/// <summary>A registered model version, as listed (metrics: the test split's).</summary>
public sealed record ModelInfo(
    string Task, int Version, string Status, string Reason, string DatasetHash, DateTimeOffset Created, int Examples, double TestAccuracy, double TestMacroF1);

/// <summary>One version in full: its listing, its config, and its metrics (validation and test, with the confusion matrix) as JSON.</summary>
public sealed record ModelDetail(ModelInfo Model, System.Text.Json.JsonElement Config, System.Text.Json.JsonElement Metrics, string ArtifactPath);

/// <summary>POST /api/models/TASK/train: data files or folders the node can read (inside its allowed roots).</summary>
public sealed record TrainRequest(IReadOnlyList<string>? Paths);

/// <summary>The trainer's answer: queued (with the dataset's hash), or the same data was trained before as that version.</summary>
public sealed record TrainResponse(string Task, string DatasetHash, bool AlreadyTrained, int Version);

/// <summary>POST /api/models/TASK/promote.</summary>
public sealed record PromoteRequest(int Version);

/// <summary>What the trainer does now and its latest runs.</summary>
public sealed record TrainerInfo(string? RunningTask, string? RunningDatasetHash, string Phase, int Queued, IReadOnlyList<TrainingRunInfo> Recent);

/// <summary>
/// POST /api/models/tasks: a task a user defines — kind image (pictures; <see cref="Size"/> their side) or text, its
/// labels (an IDX dataset's numbers name them in order), and its training config (learner, epochs …; null: the kind's default).
/// </summary>
public sealed record TaskRequest(string? Name, string? Kind, IReadOnlyList<string>? Labels, int? Size, System.Text.Json.JsonElement? Config);

/// <summary>GET /api/models/tasks: a task (built in or defined), its labels, its config and its promoted version (0: none).</summary>
public sealed record TaskInfo(string Name, string Kind, bool BuiltIn, IReadOnlyList<string> Labels, int Size, System.Text.Json.JsonElement Config, int PromotedVersion);

/// <summary>POST /api/models/TASK/predict: one file's label by the task's promoted model, with its confidence (0–1).</summary>
public sealed record PredictionInfo(string File, string Label, double Confidence, int Version);

/// <summary>An ended training run.</summary>
public sealed record TrainingRunInfo(string Task, string DatasetHash, int Version, string Status, string Reason);
