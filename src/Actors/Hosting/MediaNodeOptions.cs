namespace MediaCluster.Actors.Hosting;

/// <summary>How a node's actors start (built from the host's options by <c>AddMediaCluster</c>, or directly by tests).</summary>
public sealed record MediaNodeOptions
{
    /// <summary>Where the embedded journal (SQLite, <c>journal.db</c>) lives.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>A PostgreSQL connection string for the journal and snapshots; null: SQLite in <see cref="DataDirectory"/>.</summary>
    public string? JournalConnectionString { get; init; }

    /// <summary>An inbox to watch: each new, finished file there becomes a job (null: none).</summary>
    public Ingest.WatchFolderOptions? Inbox { get; init; }

    /// <summary>Where the ONNX models run (auto: CUDA when available, else CPU).</summary>
    public Media.Onnx.InferenceDevice InferenceDevice { get; init; } = Media.Onnx.InferenceDevice.Auto;

    /// <summary>The recogniser a gpu node runs (default pocketsphinx).</summary>
    public Media.Asr.RecognizerOptions Recognizer { get; init; } = new();

    /// <summary>ASR slots (on a gpu node); default: one per core for pocketsphinx, cores ÷ threads for whisper.</summary>
    public int? AsrSlots { get; init; }

    /// <summary>
    /// Segments one job may have queued or being recognised at once, over every gpu node; default twice this node's
    /// ASR slots. The speech detector runs only this far ahead of recognition.
    /// </summary>
    public int? SegmentsPerJob { get; init; }

    /// <summary>
    /// VAD sessions a gpu node runs at once (a VAD stream each, fed by the job's decoder on its jobs node); default 16
    /// per core. More jobs wait their turn in their jobs node's queue. A session lives as long as its job's speech
    /// work and runs only a few segments ahead of recognition, so it spends most of its life waiting, holding at most
    /// <see cref="SegmentsPerJob"/> segments' audio (≤ 1 MB each): with four per core, the one gpu node left after a
    /// kill kept a 12-job batch's moved jobs waiting 100 s for a session while its recogniser was busy anyway.
    /// </summary>
    public int? VadSlots { get; init; }

    /// <summary>
    /// Speaker diarization: a gpu node measures each segment's voice as it recognises it, a jobs node's jobs find who
    /// spoke when from those measurements (default on).
    /// </summary>
    public bool Diarization { get; init; } = true;

    /// <summary>The speaker-embedding model a gpu node measures voices with, instead of MFCC statistics (null: none).</summary>
    public Media.Diarization.SpeakerModelFile? SpeakerModel { get; init; }

    /// <summary>This node's cluster roles; the embedded node has them all.</summary>
    public IReadOnlyCollection<string> Roles { get; init; } = AllRoles;

    /// <summary>Live audio sessions: limits and utterance settings.</summary>
    public Live.LiveLimits Live { get; init; } = new();

    /// <summary>How jobs find and label a video's scenes.</summary>
    public Jobs.SceneWork Scenes { get; init; } = Jobs.SceneWork.Default;

    /// <summary>Scenes a gpu node labels at once; default one per core.</summary>
    public int? SceneSlots { get; init; }

    /// <summary>The trainer's watched dataset folders (one per task) and config files; default DataDirectory/datasets.</summary>
    public string? DatasetsDirectory { get; init; }

    /// <summary>Where generated default datasets are made once per machine; default ~/.cache/mediacluster (XDG_CACHE_HOME).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>How often the trainer looks at the dataset folders.</summary>
    public TimeSpan DatasetPoll { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The command that starts a training process over a run's folder (the folder is appended): the node's own executable
    /// with <c>train-network</c>. Null: this node cannot train networks, and a task whose learner is one fails saying so.
    /// </summary>
    public IReadOnlyList<string>? NetworkTrainer { get; init; }

    /// <summary>The trainer's folders, with their defaults filled in.</summary>
    public Training.TrainerOptions TrainerFolders() => new(
        Path.GetFullPath(DatasetsDirectory ?? Path.Combine(DataDirectory, "datasets")),
        Path.GetFullPath(Path.Combine(DataDirectory, "models")),
        CacheDirectory ?? Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "mediacluster"),
        DatasetPoll,
        NetworkTrainer);

    /// <summary>Every role there is (what the embedded node has).</summary>
    public static IReadOnlyCollection<string> AllRoles { get; } = [.. Enum.GetValues<NodeRole>().Select(role => role.Name())];

    /// <summary>The address Akka remoting binds (loopback for the embedded node: nothing leaves the machine).</summary>
    public string ClusterHost { get; init; } = "127.0.0.1";

    /// <summary>Akka remoting's port; 0 takes any free port.</summary>
    public int ClusterPort { get; init; }

    /// <summary>The name other nodes reach this one by (a container's or pod's DNS name); null: <see cref="ClusterHost"/>.</summary>
    public string? ClusterPublicHost { get; init; }

    /// <summary>
    /// The cluster's certificate (with its private key), held by every node: when set, remoting is TLS with mutual
    /// authentication and a peer is accepted only if it presents this same certificate (pinned by its SHA-256 hash)
    /// within its validity dates.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClusterCertificate { get; init; }

    /// <summary>
    /// SHA-256 hashes (hex) of more certificates a peer may present besides <see cref="ClusterCertificate"/> — the next
    /// or the previous cluster certificate while the credentials are rotated by rolling restarts.
    /// </summary>
    public IReadOnlyList<string> TrustedCertificateHashes { get; init; } = [];

    /// <summary>
    /// Where a job this node runs may read and write (checked on every <c>StartJob</c>, whichever member sent it);
    /// null: no check (an embedded node processing one local file).
    /// </summary>
    public Jobs.JobPaths? JobPaths { get; init; }

    /// <summary>Seed nodes as Akka addresses (<c>akka.tcp://mediacluster@host:port</c>); none: the node joins itself.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>How quickly a crashed node is noticed, downed and its shards moved (see ../shared/AKKA.md for measured effects).</summary>
    public FailoverTimings Failover { get; init; } = new();

    /// <summary>Shards the jobs are spread over (fixed for the life of a journal).</summary>
    public int JobShards { get; init; } = 100;

    /// <summary>How long a request to an actor may take before it fails naming the actor.</summary>
    public TimeSpan AskTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock of the node's own timers (retries, idle passivation, inbox polls); tests pass a manual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Incarnations in a row a job may end without progress and without a clean stop (each crash of its node) before
    /// it is quarantined: failed naming the step, not resumed again.
    /// </summary>
    public int MaxCrashes { get; init; } = 3;

    /// <summary>What a training dataset may hold (file bytes, examples, labels, picture pixels).</summary>
    public Media.Learning.DatasetLimits DatasetLimits { get; init; } = Media.Learning.DatasetLimits.Default;

    /// <summary>How long an ended job stays in memory without messages before its shard passivates it.</summary>
    public TimeSpan PassivateAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long shutdown waits for a call inside an engine before it leaves the engines open.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Failure detection and downing (split-brain resolver, keep-majority). The defaults resume a killed node's jobs in
/// about 10 s (Akka's own defaults take about 46 s); a pause under 2 s gives false alarms on a loaded 2-core machine.
/// </summary>
public sealed record FailoverTimings
{
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long membership must be stable before the resolver downs unreachable nodes: a node marked unreachable by
    /// a stall (not a death) has this long to answer again before it is downed.
    /// </summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long after removal a downed node's shards are handed out again.</summary>
    public TimeSpan DownRemovalMargin { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How soon a shard starts again a job that stopped without being asked (an exception, or a failed journal read or
    /// write): while the journal is away each try fails, and the first after it is back resumes the job.
    /// </summary>
    public TimeSpan EntityRestartBackoff { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the journal's circuit breaker, once open (after 10 failed calls in a row: the database away), fails
    /// calls at once before it lets one through to try again — the most the node lags behind the database's return
    /// (Akka's default, 30 s, kept nodes unready for 10 s after a 30-s outage).
    /// </summary>
    public TimeSpan JournalBreakerReset { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a shard region retries registering with the coordinator and re-asks for shard homes.</summary>
    public TimeSpan ShardingRetry { get; init; } = TimeSpan.FromMilliseconds(500);
}
