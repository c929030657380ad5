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

    /// <summary>ASR slots; default one per core.</summary>
    public int? AsrSlots { get; set; }

    /// <summary>Jobs detecting speech at once; default one per core.</summary>
    public int? VadSlots { get; set; }

    /// <summary>This node's cluster roles (api, jobs, gpu); empty: all of them, as the embedded node has.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>Where the journal and snapshots live.</summary>
    public JournalSettings Journal { get; set; } = new();

    /// <summary>Where the ONNX models (Silero VAD) run.</summary>
    public InferenceSettings Inference { get; set; } = new();

    /// <summary>The HTTP API's address (an IP, or "localhost").</summary>
    public string HttpAddress { get; set; } = "0.0.0.0";

    /// <summary>The HTTP API's port (0: any free port; the one taken is written to DataDirectory/node.json).</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>The management endpoint pbm talks to; loopback only unless set otherwise.</summary>
    public string ManagementAddress { get; set; } = "127.0.0.1";

    /// <summary>The management endpoint's port (0: any free port).</summary>
    public int ManagementPort { get; set; } = 9110;

    /// <summary>The largest upload accepted, in bytes (default 2 GiB).</summary>
    public long MaxUploadBytes { get; set; } = 2L << 30;

    /// <summary>Every key this section accepts (for the error that names an unknown one).</summary>
    internal static string KnownKeys => string.Join(", ", typeof(NodeOptions).GetProperties().SelectMany(p =>
        p.PropertyType == typeof(List<string>) ? [p.Name + ":0…"]
        : IsSection(p.PropertyType) ? p.PropertyType.GetProperties().Select(inner => $"{p.Name}:{inner.Name}")
        : [p.Name]));

    /// <summary>True for a key (relative to section Node) that names a setting: a property, an item of a list, or a sub-section's property.</summary>
    internal static bool IsKnownKey(string key)
    {
        var parts = key.Split(':');
        var property = Named(typeof(NodeOptions), parts[0]);
        return (property, parts.Length) switch
        {
            (null, _) => false,
            (_, 1) => true,
            (_, 2) when property.PropertyType == typeof(List<string>) => int.TryParse(parts[1], out _),
            (_, 2) when IsSection(property.PropertyType) => Named(property.PropertyType, parts[1]) is not null,
            _ => false,
        };
    }

    private static System.Reflection.PropertyInfo? Named(Type type, string name) =>
        type.GetProperties().FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static bool IsSection(Type type) => type == typeof(JournalSettings) || type == typeof(InferenceSettings);

    internal string ResultsRoot => Path.GetFullPath(OutputRoot ?? Path.Combine(DataDirectory, "results"));

    internal string UploadsRoot => Path.GetFullPath(Path.Combine(DataDirectory, "uploads"));
}

/// <summary>Section Node:Journal.</summary>
public sealed class JournalSettings
{
    /// <summary>A PostgreSQL connection string (e.g. <c>Host=db;Username=mc;Password=…;Database=mediacluster</c>); empty: SQLite in DataDirectory/journal.</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Section Node:Inference.</summary>
public sealed class InferenceSettings
{
    /// <summary><c>auto</c> (CUDA when the build and machine have it, else CPU), <c>cpu</c>, or <c>cuda</c> (CUDA or refuse to start).</summary>
    public Media.Onnx.InferenceDevice Device { get; set; } = Media.Onnx.InferenceDevice.Auto;
}
