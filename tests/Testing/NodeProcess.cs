using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MediaCluster.Testing;

/// <summary>
/// One <c>MediaCluster.Node run</c> process (for process tests and benchmarks): its captured output, a client of its API
/// holding its token, its metrics, and signals (kill, stop, continue).
/// </summary>
public sealed class NodeProcess
{
    private static readonly List<NodeProcess> s_started = [];
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(Process process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    /// <summary>A client of the node's API with its token (default 5 s timeout: a request lost with a killed node must not hold a poll up).</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>A client of the management endpoint with the token: the operator's routes (server paths, cluster leave/down, promotion).</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>The management endpoint's authority (host:port) and the token, for pbm.</summary>
    public (string Management, string Token) PbmTarget { get; private set; }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary>CPU time the process has used so far (user + system, all its threads); read it before <see cref="Kill"/>.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="nodeDll"/> <c>run</c> on free HTTP ports with its data in <paramref name="dataDirectory"/>,
    /// more <c>--Node:Key VALUE</c> flags and environment variables, and returns once it listens (within two minutes).
    /// </summary>
    public static async Task<NodeProcess> StartAsync(
        string nodeDll, string dataDirectory, IEnumerable<string> flags, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? requestTimeout = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { nodeDll, "run", "--Node:DataDirectory", dataDirectory, "--Node:HttpPort", "0", "--Node:ManagementPort", "0" }.Concat(flags))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        // A node killed with SIGKILL leaves its node.json (with its old ports) behind: the file is the new process's only
        // once it names this process's pid, and a stale one is removed first.
        var endpoints = Path.Combine(dataDirectory, "node.json");
        if (File.Exists(endpoints))
        {
            File.Delete(endpoints);
        }

        var node = new NodeProcess(Process.Start(info)!, dataDirectory);
        lock (s_started)
        {
            s_started.Add(node);
        }

        node._process.OutputDataReceived += (_, e) => node.Append(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!File.Exists(endpoints) || !WrittenBy(endpoints, node._process.Id))
        {
            if (node._process.HasExited || DateTime.UtcNow > deadline)
            {
                node.Kill();
                throw new InvalidOperationException($"the node in {dataDirectory} {(node._process.HasExited ? "exited" : "did not listen within two minutes")}:\n{node.Output}");
            }

            await Task.Delay(100);
        }

        using var listening = JsonDocument.Parse(await File.ReadAllTextAsync(endpoints));
        var token = (await File.ReadAllTextAsync(Path.Combine(dataDirectory, "api-token"))).Trim();
        node.Api = NodeApi.Connect(new Uri(listening.RootElement.GetProperty("Api").GetString() + "/"), token, requestTimeout ?? TimeSpan.FromSeconds(5));
        node.Client = node.Api.Client;
        node.PbmTarget = (new Uri(listening.RootElement.GetProperty("Management").GetString()!).Authority, token);
        node.Operator = new HttpClient { BaseAddress = new Uri(listening.RootElement.GetProperty("Management").GetString() + "/"), Timeout = node.Client.Timeout };
        node.Operator.DefaultRequestHeaders.Authorization = node.Client.DefaultRequestHeaders.Authorization;
        return node;
    }

    private static bool WrittenBy(string endpoints, int pid)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(endpoints));
            return json.RootElement.GetProperty("Pid").GetInt32() == pid;
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException)
        {
            return false; // being written, or gone again
        }
    }

    /// <summary>The node's API through <see cref="Client"/>: jobs and metrics.</summary>
    public NodeApi Api { get; private set; } = null!;

    /// <summary>Uploads <paramref name="file"/> as a job; its id.</summary>
    public Task<string> SubmitAsync(string file) => Api.SubmitAsync(file);

    /// <summary>A job as the API shows it, or null when this node does not know it (yet).</summary>
    public Task<JsonElement?> JobAsync(string id, TimeSpan? timeout = null) => Api.JobAsync(id, timeout);

    /// <summary>What this node answers for a job, in words (status and body, or why there was no answer): for diagnostics.</summary>
    public Task<string> DescribeJobAsync(string id, TimeSpan timeout) => Api.DescribeJobAsync(id, timeout);

    public Task<int> MembersUpAsync() => Api.MembersUpAsync();

    /// <summary>Segments this process has recognised.</summary>
    public Task<int> RecognitionsAsync() => Api.RecognitionsAsync();

    public Task<double> MetricAsync(string name) => Api.MetricAsync(name);

    /// <summary>Sends the process a signal (STOP freezes it as a long GC pause or a hung VM would, CONT resumes it).</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} failed");
        }
    }

    /// <summary><paramref name="count"/> distinct free TCP ports on loopback (held together while chosen).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    /// <summary>Kills every node process this process started that still runs (a benchmark's clean-up, also after a crash).</summary>
    public static void KillAll()
    {
        lock (s_started)
        {
            s_started.ForEach(n => n.Kill());
        }
    }

    /// <summary>SIGKILL, and waits for the process to be gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
