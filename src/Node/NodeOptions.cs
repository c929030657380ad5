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
    internal static string KnownKeys => string.Join(", ", typeof(NodeOptions).GetProperties().Select(p => p.Name switch
    {
        nameof(AllowedRoots) or nameof(Roles) => p.Name + ":0…",
        nameof(Journal) => "Journal:ConnectionString",
        _ => p.Name,
    }));

    /// <summary>True for a key (relative to section Node) that names a setting: a property, an item of a list one, or Journal's.</summary>
    internal static bool IsKnownKey(string key)
    {
        var parts = key.Split(':');
        var property = typeof(NodeOptions).GetProperties().FirstOrDefault(p => p.Name.Equals(parts[0], StringComparison.OrdinalIgnoreCase));
        return (property?.Name, parts.Length) switch
        {
            (null, _) => false,
            (_, 1) => true,
            (nameof(AllowedRoots) or nameof(Roles), 2) => int.TryParse(parts[1], out _),
            (nameof(Journal), 2) => parts[1].Equals(nameof(JournalSettings.ConnectionString), StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    internal string ResultsRoot => Path.GetFullPath(OutputRoot ?? Path.Combine(DataDirectory, "results"));

    internal string UploadsRoot => Path.GetFullPath(Path.Combine(DataDirectory, "uploads"));
}

/// <summary>Section Node:Journal.</summary>
public sealed class JournalSettings
{
    /// <summary>A PostgreSQL connection string (e.g. <c>Host=db;Username=mc;Password=…;Database=mediacluster</c>); empty: SQLite in DataDirectory/journal.</summary>
    public string? ConnectionString { get; set; }
}
