using System.Globalization;
using MediaCluster.Testing;

/// <summary>What a batch left: completed jobs, duplicate results in the journal, seconds from each kill to failover and to progress.</summary>
internal sealed class Run
{
    public int Completed { get; set; }

    public int Duplicates { get; set; }

    /// <summary>Seconds from each kill until all its measured jobs run on other nodes.</summary>
    public List<double> Failovers { get; } = [];

    /// <summary>Seconds from each kill until one of its jobs records a new result.</summary>
    public List<double> Progress { get; } = [];

    public int UnexpectedExits { get; set; }

    /// <summary>CPU seconds the node processes alive at the end used (killed incarnations not counted).</summary>
    public double CpuSeconds { get; set; }

    /// <summary>Bytes each node received from each other node (a fault-free run of several nodes only).</summary>
    public Dictionary<(int To, int From), long> Traffic { get; set; } = [];

    /// <summary>Each node's peak resident memory (VmHWM) in MB at the end.</summary>
    public List<double> PeakRssMb { get; set; } = [];
}

/// <summary>
/// N node processes on loopback (fixed cluster ports, so a killed node restarts at its address) over one journal, with
/// as many recogniser slots in all as the machine has cores (<see cref="Slots"/>): one node has all of them; of several,
/// every node hosts jobs and the slots are shared out over the first nodes, at least one each, as gpu nodes (on 2 cores:
/// nodes 0 and 1 one slot each, node 2 api and jobs) — the same recognition capacity, so a comparison measures what
/// distribution costs and not three decoders taking turns on two cores.
/// </summary>
/// <param name="roles">Each node's roles instead (empty: every role), with the slots shared out over its gpu nodes.</param>
internal sealed class LocalCluster(string nodeDll, string directory, string journal, string certificate, int count, string[][]? roles = null)
{
    private readonly int[] _ports = NodeProcess.FreePorts(count);

    public List<NodeProcess> Nodes { get; } = [];

    public string Journal => journal;

    /// <summary>Each node's cluster port.</summary>
    public IReadOnlyList<int> Ports => _ports;

    public string Results => Path.Combine(directory, "results");

    /// <summary>Node <paramref name="index"/>'s cluster address, as the API names a job's node.</summary>
    public string Address(int index) => $"akka.ssl.tcp://mediacluster@127.0.0.1:{_ports[index]}";

    public Task<NodeProcess> StartNodeAsync(int index)
    {
        var seeds = _ports.Take(Math.Min(2, count)).SelectMany((p, i) => new[] { $"--Node:Cluster:Seeds:{i}", $"127.0.0.1:{p}" });
        return NodeProcess.StartAsync(
            nodeDll,
            Path.Combine(directory, $"node-{index}"),
            [
                "--Node:Cluster:Port", _ports[index].ToString(CultureInfo.InvariantCulture), .. seeds,
                "--Node:Journal:ConnectionString", journal, "--Node:Cluster:Certificate", certificate, "--Node:OutputRoot", Results,
                .. Placement(index),
            ],
            new Dictionary<string, string> { ["MC_Node__Cluster__CertificatePassword"] = "bench" },
            requestTimeout: TimeSpan.FromSeconds(30)); // a loaded node may take seconds to answer; a dead one refuses at once
    }

    /// <summary>Recogniser slots in the whole cluster: the machine's cores.</summary>
    public static int Slots => Environment.ProcessorCount;

    /// <summary>Node <paramref name="index"/>'s share of <see cref="Slots"/> (none: an api and jobs node without the gpu role).</summary>
    private string[] Placement(int index)
    {
        if (roles is not null)
        {
            var gpus = roles.Count(r => r.Length == 0 || r.Contains("gpu"));
            var own = roles[index].SelectMany((role, i) => new[] { $"--Node:Roles:{i}", role });
            return roles[index].Length == 0 || roles[index].Contains("gpu")
                ? [.. own, "--Node:AsrSlots", Math.Max(1, Slots / gpus).ToString(CultureInfo.InvariantCulture)]
                : [.. own];
        }

        var gpuNodes = Math.Min(count, Slots);
        var slots = index < gpuNodes ? (Slots / gpuNodes) + (index < Slots % gpuNodes ? 1 : 0) : 0;
        return slots > 0 ? ["--Node:AsrSlots", slots.ToString(CultureInfo.InvariantCulture)] : ["--Node:Roles:0", "api", "--Node:Roles:1", "jobs"];
    }

    /// <summary>Nodes that stopped without being killed (e.g. downed by the others as unreachable) and were started again.</summary>
    public int UnexpectedExits { get; private set; }

    private readonly HashSet<int> _killed = [];

    /// <summary>Every incarnation's output so far (killed ones too), as "node I (incarnation N)" sections.</summary>
    public IEnumerable<string> Logs => _past.Concat(Nodes.Select((n, i) => $"== node {i} (current)\n{n.Output}"));

    private readonly List<string> _past = [];

    public void Kill(int index)
    {
        _killed.Add(index);
        Nodes[index].Kill();
        _past.Add($"== node {index} (killed)\n{Nodes[index].Output}");
    }

    public async Task RestartAsync(int index)
    {
        Nodes[index] = await StartNodeAsync(index);
        _killed.Remove(index);
    }

    /// <summary>Starts again every node that exited by itself; how many there were.</summary>
    public async Task<int> ReviveAsync()
    {
        var revived = 0;
        for (var i = 0; i < Nodes.Count; i++)
        {
            if (Nodes[i].HasExited && !_killed.Contains(i))
            {
                var lines = Nodes[i].Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Console.Error.WriteLine($"# node {i} exited by itself; its last lines:\n{string.Join('\n', lines.TakeLast(4))}");
                UnexpectedExits++;
                revived++;
                _past.Add($"== node {i} (exited by itself)\n{Nodes[i].Output}");
                Nodes[i] = await StartNodeAsync(i);
            }
        }

        return revived;
    }

    public void Stop() => Nodes.ForEach(n => n.Kill());
}
