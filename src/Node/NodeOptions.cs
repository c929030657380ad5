namespace MediaCluster.Node;

/// <summary>Settings of a served node: section "Node" of appsettings.json, MC_Node__* variables, or --Node:Key flags.</summary>
public sealed class NodeOptions
{
    /// <summary>Journal, API token, uploads, the endpoints file and (by default) results live here.</summary>
    public string DataDirectory { get; set; } = ".data";

    /// <summary>Where job results go; default: DataDirectory/results.</summary>
    public string? OutputRoot { get; set; }

    /// <summary>Server-side paths a client may submit must lie inside one of these folders.</summary>
    public List<string> AllowedRoots { get; set; } = [];

    /// <summary>An inbox folder to watch; files that stop growing become jobs.</summary>
    public string? Inbox { get; set; }

    /// <summary>Which speech recogniser this node runs, and how.</summary>
    public AsrSettings Asr { get; set; } = new();

    /// <summary>ASR slots (segments recognised at once); default one per core, for whisper cores ÷ Asr:Threads.</summary>
    public int? AsrSlots { get; set; }

    /// <summary>Segments one job may have queued or being recognised at once (over every gpu node); default 2 × AsrSlots.</summary>
    public int? SegmentsPerJob { get; set; }

    /// <summary>VAD sessions a gpu node runs at once; default 16 per core (a session mostly waits for recognition, holding a few segments' audio).</summary>
    public int? VadSlots { get; set; }

    /// <summary>This node's cluster roles (api, jobs, gpu); empty: all of them, as the embedded node has.</summary>
    public List<Actors.Hosting.NodeRole> Roles { get; set; } = [];

    /// <summary>Live audio over the WebSocket /ws/live: limits and utterance settings.</summary>
    public LiveSettings Live { get; set; } = new();

    /// <summary>A video's scenes: cut threshold, shortest scene, scenes labelled at once on a gpu node.</summary>
    public SceneSettings Scenes { get; set; } = new();

    /// <summary>Where the node's traces go (OTLP); none by default.</summary>
    public TelemetrySettings Telemetry { get; set; } = new();

    /// <summary>Who spoke when: on by default (a gpu node measures each segment's voice, a job clusters them).</summary>
    public DiarizationSettings Diarization { get; set; } = new();

    /// <summary>The trainer's watched dataset folders (DATASETS/shot-movement, …) and task configs (DATASETS/TASK.json); default DataDirectory/datasets.</summary>
    public string? Datasets { get; set; }

    /// <summary>Where the journal and snapshots live.</summary>
    public JournalSettings Journal { get; set; } = new();

    /// <summary>How jobs survive what goes wrong: poison inputs, failed inputs kept for a retry.</summary>
    public JobsSettings Jobs { get; set; } = new();

    /// <summary>What a training dataset may hold.</summary>
    public TrainingSettings Training { get; set; } = new();

    /// <summary>Where the ONNX models (Silero VAD) run.</summary>
    public InferenceSettings Inference { get; set; } = new();

    /// <summary>How this node joins a cluster; no seeds: a one-node cluster on loopback.</summary>
    public ClusterSettings Cluster { get; set; } = new();

    /// <summary>The HTTP API's address (an IP, or "localhost").</summary>
    public string HttpAddress { get; set; } = "0.0.0.0";

    /// <summary>The HTTP API's port (0: any free port; the one taken is written to DataDirectory/node.json).</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>The management endpoint pbm talks to; loopback only unless set otherwise.</summary>
    public string ManagementAddress { get; set; } = "127.0.0.1";

    /// <summary>The management endpoint's port (0: any free port).</summary>
    public int ManagementPort { get; set; } = 9110;

    /// <summary>A file holding the API token (a secret all nodes share); default: DataDirectory/api-token, made on first start.</summary>
    public string? ApiTokenFile { get; set; }

    /// <summary>How long the page stays signed in (hours; default 12); signing out ends the session at once.</summary>
    public double SessionHours { get; set; } = 12;

    /// <summary>The largest upload accepted, in bytes (default 2 GiB).</summary>
    public long MaxUploadBytes { get; set; } = 2L << 30;

    /// <summary>Every key this section accepts (for the error that names an unknown one).</summary>
    internal static string KnownKeys => string.Join(", ", Keys(typeof(NodeOptions), ""));

    /// <summary>
    /// Why <paramref name="key"/> (relative to section Node) with <paramref name="value"/> is not a setting, or null when it
    /// is one: a property, an item of a list, or a sub-section's setting. A plain value on a list or a section (e.g.
    /// <c>MC_Node__AllowedRoots=/srv</c>) would be dropped silently by the binder, so it is refused too. Kept by hand
    /// beside the binder's own refusal of unknown keys (ErrorOnUnknownConfiguration) for that case and for the message:
    /// the binder names a CLR type, this names the key as the operator wrote it and every key there is.
    /// </summary>
    internal static string? Problem(string key, string? value)
    {
        var type = typeof(NodeOptions);
        var parts = key.Split(':');
        var name = "Node";

        for (var i = 0; i < parts.Length; i++)
        {
            var property = type.GetProperties().FirstOrDefault(p => p.Name.Equals(parts[i], StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                return Unknown();
            }

            name += ":" + property.Name;
            var last = i == parts.Length - 1;
            if (IsList(property.PropertyType))
            {
                return last && !string.IsNullOrEmpty(value) ? $"{name} is a list: give its items as {name}:0, {name}:1, …"
                    : last || (i == parts.Length - 2 && int.TryParse(parts[i + 1], out _)) ? null
                    : Unknown();
            }

            if (!IsSection(property.PropertyType))
            {
                return last ? null : Unknown();
            }

            if (last && !string.IsNullOrEmpty(value))
            {
                return $"{name} is a section: set {string.Join(" or ", property.PropertyType.GetProperties().Select(p => $"{name}:{p.Name}"))}";
            }

            type = property.PropertyType;
        }

        return null;

        string Unknown() => $"Node:{key} is not a setting (known: {KnownKeys})";
    }

    private static IEnumerable<string> Keys(Type type, string prefix) => type.GetProperties().SelectMany(p =>
        IsList(p.PropertyType) ? [$"{prefix}{p.Name}:0…"]
        : IsSection(p.PropertyType) ? Keys(p.PropertyType, $"{prefix}{p.Name}:")
        : [prefix + p.Name]);

    private static bool IsList(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>);

    private static bool IsSection(Type type) => type.IsClass && type != typeof(string) && type.Namespace == typeof(NodeOptions).Namespace;

    internal string ResultsRoot => Path.GetFullPath(OutputRoot ?? Path.Combine(DataDirectory, "results"));

    internal string UploadsRoot => Path.GetFullPath(Path.Combine(DataDirectory, "uploads"));

    internal string DatasetsRoot => Path.GetFullPath(Datasets ?? Path.Combine(DataDirectory, "datasets"));
}

/// <summary>Section Node:Telemetry.</summary>
public sealed class TelemetrySettings
{
    /// <summary>
    /// An OTLP/HTTP receiver (an OpenTelemetry collector, Jaeger, Tempo …), e.g. http://collector:4318: the node then
    /// exports its traces there (the jobs' spans, HTTP requests served and made). Unset: no traces are made.
    /// </summary>
    public string? OtlpEndpoint { get; set; }
}

/// <summary>Section Node:Diarization.</summary>
public sealed class DiarizationSettings
{
    /// <summary>Find the speakers of every job (per job: speakers, min_speakers, max_speakers).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A speaker-embedding model (ONNX: float [batch, samples] of 16 kHz audio in, [batch, dimensions] out) a gpu node
    /// measures voices with instead of MFCC statistics; unset: none. Set the same on every gpu node.
    /// </summary>
    public string? EmbeddingModel { get; set; }

    /// <summary>The cosine distance (0–2) within which two clusters of the model's vectors are one speaker (the model's own figure).</summary>
    public double EmbeddingThreshold { get; set; } = 0.5;
}

/// <summary>Section Node:Scenes.</summary>
public sealed class SceneSettings
{
    /// <summary>ffmpeg's scene score (0–1, exclusive) above which a frame starts a new scene.</summary>
    public double Threshold { get; set; } = 0.2;

    /// <summary>A cut closer than this to the last one is ignored.</summary>
    public double MinSceneSeconds { get; set; } = 1;

    /// <summary>Scenes a gpu node labels at once; default one per core.</summary>
    public int? Slots { get; set; }
}

/// <summary>Section Node:Live.</summary>
public sealed class LiveSettings
{
    /// <summary>Live sessions this node holds at once (default three per core); more are refused with close code 1013.</summary>
    public int? MaxSessions { get; set; }

    /// <summary>Live streams this gpu node recognises at once (default three per core); a session then goes to another gpu node.</summary>
    public int? MaxStreams { get; set; }

    /// <summary>The largest WebSocket message a client may send, in bytes (default 262144); larger closes with 1009.</summary>
    public int MaxFrameBytes { get; set; } = 256 * 1024;

    /// <summary>A session's longest audio, in minutes (default 120); it then gets its finals and is closed.</summary>
    public double MaxSessionMinutes { get; set; } = 120;

    /// <summary>Seconds without a message after which a client is closed (default 15).</summary>
    public double IdleTimeoutSeconds { get; set; } = 15;

    /// <summary>Silence, in seconds, that ends an utterance and brings its final (default 0.8).</summary>
    public double EndOfUtteranceSeconds { get; set; } = 0.8;

    /// <summary>The longest utterance, in seconds (default 20); longer speech gets a final at its least speech-like point.</summary>
    public double MaxUtteranceSeconds { get; set; } = 20;
}

/// <summary>Section Node:Journal.</summary>
public sealed class JournalSettings
{
    /// <summary>A PostgreSQL connection string (e.g. <c>Host=db;Username=mc;Password=…;Database=mediacluster</c>); empty: SQLite in DataDirectory/journal.</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Section Node:Jobs.</summary>
public sealed class JobsSettings
{
    /// <summary>
    /// Incarnations in a row a job may end without progress and without a clean stop (each crash of the node running
    /// it) before it is quarantined instead of resumed once more (default 3).
    /// </summary>
    public int MaxCrashes { get; set; } = 3;

    /// <summary>How long a failed job's upload is kept for <c>pbm media retry</c> before the uploads sweep removes it (default 24).</summary>
    public double KeepFailedInputsHours { get; set; } = 24;
}

/// <summary>Section Node:Training: limits on a dataset (untrusted input), each checked while it is read.</summary>
public sealed class TrainingSettings
{
    /// <summary>Bytes of one data file: a labels CSV, a MovieShots JSON, a text CSV (default 256 MiB).</summary>
    public long MaxDataFileBytes { get; set; } = Media.Learning.DatasetLimits.Default.MaxDataFileBytes;

    /// <summary>Examples in one dataset (default 1 000 000).</summary>
    public int MaxExamples { get; set; } = Media.Learning.DatasetLimits.Default.MaxExamples;

    /// <summary>Distinct labels in one dataset (default 1 000).</summary>
    public int MaxLabels { get; set; } = Media.Learning.DatasetLimits.Default.MaxLabels;

    /// <summary>Pixels (width × height) of one dataset picture, read from its header before it is decoded (default 40 000 000).</summary>
    public long MaxPicturePixels { get; set; } = Media.Learning.DatasetLimits.Default.MaxPicturePixels;

    /// <summary>Files in an uploaded dataset zip (default 100 000).</summary>
    public int MaxDatasetFiles { get; set; } = 100_000;

    /// <summary>Bytes an uploaded dataset zip unpacks to, counted as they are written (default 8 GiB).</summary>
    public long MaxUnpackedBytes { get; set; } = 8L << 30;
}

/// <summary>Section Node:Asr.</summary>
public sealed class AsrSettings
{
    /// <summary><c>pocketsphinx</c> (default, installed by mc setup) or <c>whisper</c> (needs <see cref="WhisperModel"/>).</summary>
    public Media.Asr.AsrEngine Engine { get; set; } = Media.Asr.AsrEngine.PocketSphinx;

    /// <summary>A whisper.cpp ggml model file (e.g. ggml-base.en.bin) the operator provides; checked when the node starts.</summary>
    public string? WhisperModel { get; set; }

    /// <summary>Threads per whisper recognition; default every core.</summary>
    public int? Threads { get; set; }

    /// <summary>The spoken language for a multilingual whisper model ("en", "de", …, or "auto").</summary>
    public string Language { get; set; } = "en";

    /// <summary>Whisper's beam width; 1 (default) decodes greedily.</summary>
    public int BeamSize { get; set; } = 1;

    /// <summary>Whether whisper decodes a segment again at higher temperatures when the result looks wrong (default true).</summary>
    public bool TemperatureFallback { get; set; } = true;
}

/// <summary>Section Node:Inference.</summary>
public sealed class InferenceSettings
{
    /// <summary><c>auto</c> (CUDA when the build and machine have it, else CPU), <c>cpu</c>, or <c>cuda</c> (CUDA or refuse to start).</summary>
    public Media.Onnx.InferenceDevice Device { get; set; } = Media.Onnx.InferenceDevice.Auto;
}

/// <summary>Section Node:Cluster.</summary>
public sealed class ClusterSettings
{
    /// <summary>The address Akka remoting binds (0.0.0.0 in a container).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Akka remoting's port (0: any free port, only for a node no other node needs to reach first).</summary>
    public int Port { get; set; }

    /// <summary>The name other nodes reach this one by (a pod's DNS name); default: Host.</summary>
    public string? PublicHostname { get; set; }

    /// <summary>Seed nodes as host:port (the same list on every node; the first one starts the cluster).</summary>
    public List<string> Seeds { get; set; } = [];

    /// <summary>
    /// The cluster's credentials: a PKCS#12 file (certificate and private key) that every node of the cluster holds.
    /// Set: the nodes talk TLS with mutual authentication and accept only a peer presenting this same certificate.
    /// Unset: plain TCP, which a node refuses unless its cluster port is on loopback (or <see cref="AllowInsecure"/>).
    /// </summary>
    public string? Certificate { get; set; }

    /// <summary>The password of <see cref="Certificate"/>, if it has one (better: the MC_Node__Cluster__CertificatePassword variable).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// More certificates (public parts: PEM or DER files) a peer may present besides <see cref="Certificate"/>: the
    /// next or the previous cluster certificate while the credentials are rotated by rolling restarts.
    /// </summary>
    public List<string> TrustedCertificates { get; set; } = [];

    /// <summary>
    /// Lets a node whose cluster port is not on loopback run without <see cref="Certificate"/> — plain TCP that anyone
    /// reaching the port can join: for a lab only, and warned about on every start.
    /// </summary>
    public bool AllowInsecure { get; set; }

    /// <summary>Whether <see cref="Host"/> is a loopback address (or "localhost").</summary>
    internal bool OnLoopback => Host == "localhost" || (System.Net.IPAddress.TryParse(Host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
