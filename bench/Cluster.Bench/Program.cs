using System.Diagnostics;
using System.Globalization;
using MediaCluster.Bench;
using static MediaCluster.Bench.Polling;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;
using MediaCluster.Testing;

// ./mc bench cluster: one batch of speech jobs three times on node processes over one PostgreSQL — on one node (the
// fault-free reference and the baseline time), on three nodes (with the bytes between nodes and each node's peak
// memory), and on three nodes with three SIGKILLs spread over different nodes (each restarted) — then one long file
// on three nodes for how its segments spread. --only pair: an 8- and a 60-minute recording on a jobs node + gpu node
// pair, for each node's peak memory against the input's length (./mc bench pipeline runs it after its own).
const int Jobs = 12;
AppDomain.CurrentDomain.ProcessExit += (_, _) => NodeProcess.KillAll();
AppDomain.CurrentDomain.UnhandledException += (_, _) => NodeProcess.KillAll();
var root = BenchTools.Root();
var work = BenchTools.FreshWorkFolder("cluster");
var nodeDll = Path.Combine(root, "src", "Node", "bin", "Release", "net10.0", "MediaCluster.Node.dll");
await using var postgres = await PostgresServer.StartAsync(durable: false);
using (var certificate = TestCertificates.SelfSigned())
{
    TestCertificates.WritePkcs12(certificate, Path.Combine(work, "cluster.pfx"), "bench");
}

Console.Error.WriteLine($"# generating {Jobs} recordings of 100–155 s from the LibriVox clips");
var files = new List<string>();
for (var i = 0; i < Jobs; i++)
{
    var path = Path.Combine(work, $"talk-{i:00}.wav");
    await SpeechSampleMaker.WriteAsync(path, TimeSpan.FromSeconds(100 + (5 * i)), seed: i);
    files.Add(path);
}

// Each figure is printed as soon as its phase has ended, so a run that fails later still leaves them.
// --only kills runs just the phase with kills (no reference to compare outputs with): for chasing a failover problem;
// --only compare runs the fault-free phases alone (one node, three nodes): for chasing the cost of distribution.
if (args is ["--only", "pair"])
{
    return await PairsAsync() ? 0 : 1;
}

if (args is ["--only", "kills"])
{
    var (_, _, only) = await RunBatchAsync("kills", nodes: 3, kills: 3);
    BenchTools.Print("jobs_completed", only.Completed);
    BenchTools.Print("duplicate_segment_results", only.Duplicates);
    BenchTools.Print("failover_seconds_max", only.Failovers.DefaultIfEmpty().Max());
    BenchTools.Print("first_result_after_kill_seconds_max", only.Progress.DefaultIfEmpty().Max());
    return only.Completed == Jobs ? 0 : 1;
}

Console.Error.WriteLine("# one node: the batch (reference outputs, baseline time)");
var (single, singleSeconds, singleRun) = await RunBatchAsync("single", nodes: 1, kills: 0);
BenchTools.Print("single_node_seconds", singleSeconds);
BenchTools.Print("single_node_cpu_seconds", singleRun.CpuSeconds);
Console.Error.WriteLine("# three nodes: the same batch");
var (clustered, clusterSeconds, clusterRun) = await RunBatchAsync("cluster", nodes: 3, kills: 0);
BenchTools.Print("cluster_seconds", clusterSeconds);
BenchTools.Print("cluster_cpu_seconds", clusterRun.CpuSeconds);
BenchTools.Print("cluster_vs_single_node_time", clusterSeconds / singleSeconds);
BenchTools.Print("cluster_vs_single_node_cpu", clusterRun.CpuSeconds / singleRun.CpuSeconds);
BenchTools.Print("outputs_identical_without_faults", files.Count(f => SameOutputs(single, clustered, f)));
PrintTrafficAndMemory(clusterRun, single);
if (args is ["--only", "compare"])
{
    return clusterRun.Completed == Jobs ? 0 : 1;
}

Console.Error.WriteLine("# three nodes, three SIGKILLs of different nodes (each restarted)");
var (killed, _, killRun) = await RunBatchAsync("kills", nodes: 3, kills: 3);
BenchTools.Print("jobs_submitted", Jobs);
BenchTools.Print("jobs_completed", killRun.Completed);
BenchTools.Print("outputs_identical", files.Count(f => SameOutputs(single, killed, f)));
BenchTools.Print("duplicate_segment_results", killRun.Duplicates);
BenchTools.Print("kills", killRun.Failovers.Count);
BenchTools.Print("unexpected_node_exits", killRun.UnexpectedExits + clusterRun.UnexpectedExits);
BenchTools.Print("failover_seconds_max", killRun.Failovers.DefaultIfEmpty().Max());
BenchTools.Print("failover_seconds_p50", Median(killRun.Failovers));
BenchTools.Print("first_result_after_kill_seconds_max", killRun.Progress.DefaultIfEmpty().Max());
var spread = await SpreadAsync();
Console.WriteLine($"segments_per_node: {string.Join(" / ", spread)}");
return killRun.Completed == Jobs ? 0 : 1;

// One batch: all files submitted (round-robin over the nodes' APIs), kills while jobs run, until every job ended.
async Task<(Dictionary<string, string> Outputs, double Seconds, Run Run)> RunBatchAsync(string name, int nodes, int kills)
{
    var cluster = await StartClusterAsync(name, nodes);
    try
    {
        return await RunOnAsync(cluster, name, nodes, kills);
    }
    finally
    {
        // Keep what every node said (its log), killed incarnations included: why the cluster stopped answering, or
        // where a failover's seconds went.
        foreach (var (log, i) in cluster.Logs.Select((l, i) => (l, i)))
        {
            await File.WriteAllTextAsync(Path.Combine(work, $"{name}-node-log-{i}.txt"), log);
        }

        Console.Error.WriteLine($"# node logs: {Path.Combine(work, name + "-node-log-*.txt")}");
    }
}

async Task<(Dictionary<string, string> Outputs, double Seconds, Run Run)> RunOnAsync(LocalCluster cluster, string name, int nodes, int kills)
{
    var run = new Run();
    var outputs = new Dictionary<string, string>();
    var watch = Stopwatch.StartNew();
    var ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
    var ids = new Dictionary<string, string>();
    for (var i = 0; i < files.Count; i++)
    {
        ids[files[i]] = await cluster.Nodes[i % nodes].SubmitAsync(files[i]);
    }

    for (var k = 0; k < kills && await KillOneAsync(cluster, ids, k, nodes, run); k++)
    {
    }

    await Until(async () => await cluster.ReviveAsync() >= 0 && (await RunningAsync(cluster, ids.Values)).Count == 0, "every job ends", TimeSpan.FromMinutes(20));
    run.UnexpectedExits = cluster.UnexpectedExits;
    var seconds = watch.Elapsed.TotalSeconds;
    run.CpuSeconds = cluster.Nodes.Sum(n => n.CpuTime.TotalSeconds);
    if (nodes > 1 && kills == 0)
    {
        run.Traffic = await Traffic.BetweenAsync(cluster.Nodes, [.. cluster.Ports]);
        run.PeakRssMb = [.. cluster.Nodes.Select(n => BenchTools.HighWaterMarkMb(n.Pid))];
    }

    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"# {name}: {seconds:0.0} s; CPU s per node {string.Join(" / ", cluster.Nodes.Select(n => n.CpuTime.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)))}; this bench's polling {(Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds:0.0}"));
    foreach (var (file, id) in ids)
    {
        var job = (await JobFromAnyAsync(cluster, id, except: -1))!.Value;
        if (job.GetProperty("state").GetString() == "completed")
        {
            run.Completed++;
            outputs[file] = Path.Combine(cluster.Results, id);
        }

        var results = (await JournalReader.ReadPostgresAsync(cluster.Journal, "job-" + id)).Select(r => r.Decode()).OfType<SegmentTranscribed>().ToList();
        run.Duplicates += results.Count - results.Select(r => r.Index).Distinct().Count();
    }

    cluster.Stop();
    return (outputs, seconds, run);
}

// One SIGKILL: a node holding a running job (a different node each time) is killed once another node answers for its
// jobs; measured until they run elsewhere and record a new result; then it is restarted. False when no job is left.
async Task<bool> KillOneAsync(LocalCluster cluster, Dictionary<string, string> ids, int k, int nodes, Run run)
{
    var (victimIndex, hosted) = await VictimAsync(cluster, ids, k, nodes);
    if (victimIndex < 0)
    {
        Console.Error.WriteLine($"# no job left running before kill {k + 1}");
        return false;
    }

    var before = await ProgressBeforeAsync(cluster, hosted, victimIndex);
    cluster.Kill(victimIndex);
    var killedAt = Stopwatch.StartNew();

    // Two moments: the killed node's jobs run on another node (failover), and one of them records a new result
    // (which also waits its turn in the segment queues behind the other jobs' segments). Short requests: one asked
    // while the shards move would wait out the node's 30-s ask timeout and measure that instead.
    var moved = new HashSet<string>();
    double? resumedAfter = null;
    await Until(async () =>
    {
        await cluster.ReviveAsync();
        var progressed = false;
        foreach (var id in before.Keys)
        {
            var job = await JobFromAnyAsync(cluster, id, except: victimIndex, timeout: TimeSpan.FromSeconds(2));
            var state = job?.GetProperty("state").GetString();
            var at = job?.TryGetProperty("node", out var n) == true ? n.GetString() : null;
            if (state == "completed" || (state == "running" && at is { Length: > 0 } && at != cluster.Address(victimIndex)))
            {
                moved.Add(id);
            }

            progressed |= job?.GetProperty("segments_transcribed").GetInt32() > before[id] || state == "completed";
        }

        if (moved.Count == before.Count)
        {
            resumedAfter ??= killedAt.Elapsed.TotalSeconds;
        }

        return progressed && resumedAfter is not null;
    }, $"the jobs of killed node {victimIndex} run and make progress on the others", TimeSpan.FromMinutes(3));
    run.Failovers.Add(resumedAfter!.Value);
    run.Progress.Add(killedAt.Elapsed.TotalSeconds);
    Console.Error.WriteLine(
        $"# kill {k + 1}: node {victimIndex} (holding {hosted.Count} running job(s)); they run elsewhere after {resumedAfter:0.0} s, the first new result after {killedAt.Elapsed.TotalSeconds:0.0} s");
    await cluster.RestartAsync(victimIndex);
    await Until(async () => (await cluster.Nodes[(victimIndex + 1) % nodes].MembersUpAsync()) == nodes, "the restarted node is Up", TimeSpan.FromMinutes(2));
    return true;
}

// Each hosted job's progress just before the kill, as another node reports it; a job no other node answers for within
// 2 s right now (its shard may be moving) is left out of the measurement.
async Task<Dictionary<string, int>> ProgressBeforeAsync(LocalCluster cluster, List<string> hosted, int victimIndex)
{
    var before = new Dictionary<string, int>();
    await Until(async () =>
    {
        foreach (var id in hosted)
        {
            try
            {
                if (await JobFromAnyAsync(cluster, id, except: victimIndex, timeout: TimeSpan.FromSeconds(2)) is { } job)
                {
                    before[id] = job.GetProperty("segments_transcribed").GetInt32();
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        if (before.Count == 0 && hosted.Count > 0)
        {
            // Say what the other nodes answer instead (status and body, or the exception), to see why.
            foreach (var (node, i) in cluster.Nodes.Select((n, i) => (n, i)).Where(p => p.i != victimIndex && !p.n.HasExited))
            {
                Console.Error.WriteLine($"#   node {i} on job {hosted[0]}: {await node.DescribeJobAsync(hosted[0], TimeSpan.FromSeconds(2))}");
            }
        }

        return before.Count > 0;
    }, "another node answers for a job of the node to be killed", TimeSpan.FromMinutes(2));
    return before;
}

// The victim: a node holding a running job (the API says where each job is), a different node each time; -1 when none runs.
async Task<(int Index, List<string> Hosted)> VictimAsync(LocalCluster cluster, Dictionary<string, string> ids, int k, int nodes)
{
    var victimIndex = -1;
    List<string> hosted = [];
    await Until(async () =>
    {
        await cluster.ReviveAsync();
        var running = await RunningAsync(cluster, ids.Values);
        for (var offset = 0; offset < nodes; offset++)
        {
            var index = (k + offset) % nodes;
            hosted = running.Where(r => r.Node == cluster.Address(index)).Select(r => r.Id).ToList();
            if (hosted.Count > 0)
            {
                victimIndex = index;
                return true;
            }
        }

        return running.Count == 0;
    }, "a node hosting a running job", TimeSpan.FromMinutes(5));
    return (victimIndex, hosted);
}

// One long recording on three nodes: how many of its segments each node recognised.
async Task<List<int>> SpreadAsync()
{
    Console.Error.WriteLine("# one 10-minute recording on three nodes");
    var file = Path.Combine(work, "long.wav");
    await SpeechSampleMaker.WriteAsync(file, TimeSpan.FromMinutes(10), seed: 99);
    var cluster = await StartClusterAsync("spread", 3);
    var before = await Task.WhenAll(cluster.Nodes.Select(n => n.RecognitionsAsync()));
    var id = await cluster.Nodes[0].SubmitAsync(file);
    await Until(async () => (await RunningAsync(cluster, [id])).Count == 0, "the long job ends", TimeSpan.FromMinutes(10));
    var after = await Task.WhenAll(cluster.Nodes.Select(n => n.RecognitionsAsync()));
    cluster.Stop();
    return [.. after.Zip(before, (a, b) => a - b)];
}

// What crossed between the nodes per second of audio (each second is decoded on the job's node and streamed once to
// its VAD session's gpu node; a segment crosses again when another gpu node's free slot takes it), for scale the
// share of the audio that is speech (the single node's vad.rttm), and each role's peak memory.
void PrintTrafficAndMemory(Run run, Dictionary<string, string> reference)
{
    var audioSeconds = files.Sum(f => (new FileInfo(f).Length - 44) / (double)(16_000 * sizeof(short)));
    var speechSeconds = reference.Values.Sum(dir => File.ReadLines(Path.Combine(dir, "vad.rttm"))
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Sum(f => f.Length > 4 && double.TryParse(f[4], CultureInfo.InvariantCulture, out var d) ? d : 0));
    foreach (var ((to, from), bytes) in run.Traffic.OrderBy(t => t.Key))
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# node {to} received {bytes / 1e6:0.0} MB from node {from}"));
    }

    BenchTools.Print("network_bytes_per_audio_second", run.Traffic.Values.Sum() / audioSeconds);
    BenchTools.Print("decoded_audio_bytes_per_audio_second", 16_000 * sizeof(short));
    BenchTools.Print("speech_fraction_of_audio", speechSeconds / audioSeconds);
    BenchTools.Print("jobs_node_rss_mb", run.PeakRssMb[^1]);
    BenchTools.Print("gpu_node_rss_mb", run.PeakRssMb.Take(run.PeakRssMb.Count - 1).Max());
}

// A jobs node (api + jobs) and a gpu node (api + gpu, every slot) on one recording of 8 and one of 60 minutes: each
// node's peak memory, which must not grow with the input's length.
async Task<bool> PairsAsync()
{
    var figures = new Dictionary<int, (double Jobs, double Gpu)>();
    foreach (var minutes in new[] { 8, 60 })
    {
        Console.Error.WriteLine($"# a {minutes}-minute recording on a jobs node + gpu node pair");
        var file = Path.Combine(work, $"pair-{minutes}min.wav");
        await SpeechSampleMaker.WriteAsync(file, TimeSpan.FromMinutes(minutes));
        var cluster = await StartClusterAsync($"pair-{minutes}", 2, [["api", "jobs"], ["api", "gpu"]]);
        var watch = Stopwatch.StartNew();
        var id = await cluster.Nodes[0].SubmitAsync(file);
        await Until(async () => (await RunningAsync(cluster, [id])).Count == 0, "the job ends", TimeSpan.FromMinutes(40));
        var completed = (await cluster.Nodes[0].JobAsync(id))?.GetProperty("state").GetString() == "completed";
        var traffic = await Traffic.BetweenAsync(cluster.Nodes, [.. cluster.Ports]);
        figures[minutes] = (BenchTools.HighWaterMarkMb(cluster.Nodes[0].Pid), BenchTools.HighWaterMarkMb(cluster.Nodes[1].Pid));
        cluster.Stop();
        File.Delete(file);
        if (!completed)
        {
            Console.Error.WriteLine($"# the {minutes}-minute job did not complete");
            return false;
        }

        BenchTools.Print($"pair_seconds_{minutes}min", watch.Elapsed.TotalSeconds);
        BenchTools.Print($"pair_network_bytes_per_audio_second_{minutes}min", traffic.Values.Sum() / (minutes * 60.0));
        BenchTools.Print($"pair_jobs_node_rss_mb_{minutes}min", figures[minutes].Jobs);
        BenchTools.Print($"pair_gpu_node_rss_mb_{minutes}min", figures[minutes].Gpu);
    }

    BenchTools.Print("pair_jobs_node_rss_60min_vs_8min_ratio", figures[60].Jobs / figures[8].Jobs);
    BenchTools.Print("pair_gpu_node_rss_60min_vs_8min_ratio", figures[60].Gpu / figures[8].Gpu);
    return true;
}

async Task<LocalCluster> StartClusterAsync(string name, int nodes, string[][]? roles = null)
{
    var cluster = new LocalCluster(nodeDll, Path.Combine(work, name), await postgres.CreateDatabaseAsync(name), Path.Combine(work, "cluster.pfx"), nodes, roles);
    for (var i = 0; i < nodes; i++)
    {
        cluster.Nodes.Add(await cluster.StartNodeAsync(i));
    }

    await Until(async () => (await Task.WhenAll(cluster.Nodes.Select(n => n.MembersUpAsync()))).All(up => up == nodes), $"{nodes} nodes Up", TimeSpan.FromMinutes(2));
    return cluster;
}
