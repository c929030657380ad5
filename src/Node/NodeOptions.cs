namespace MediaCluster.Node;

/// <summary>Settings of a served node: section "Node" of appsettings.json, MC_Node__* variables, or --Node:Key flags.</summary>
public sealed class NodeOptions
{
    /// <summary>Journal, API token and (by default) results live here.</summary>
    public string DataDirectory { get; set; } = ".data";

    /// <summary>Where job results go; default: DataDirectory/results.</summary>
    public string? OutputRoot { get; set; }

    /// <summary>Server-side paths a client may submit must lie inside one of these folders.</summary>
    public List<string> AllowedRoots { get; set; } = [];

    /// <summary>An inbox folder to watch; files that stop growing become jobs.</summary>
    public string? Inbox { get; set; }

    /// <summary>ASR slots; default one per core.</summary>
    public int? AsrSlots { get; set; }

    internal string ResultsRoot => Path.GetFullPath(OutputRoot ?? Path.Combine(DataDirectory, "results"));
}
