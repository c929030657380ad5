using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MediaCluster.Cli;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>
/// The node as its own process, started with `./mc node run`: killed with SIGKILL mid-job and started again, it
/// finishes the job without redoing recorded work.
/// </summary>
public sealed class NodeProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-proc-").FullName;
    private readonly StringBuilder _nodeOutput = new();

    private string Data => Path.Combine(_directory, "data");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Node_KilledMidJob_ThenRestarted_CompletesWithoutRedoingRecordedSegments_AndMatchesAnUninterruptedRun()
    {
        // Two voices (the LibriVox reader and festival's slt), so the speakers found after the kill are worth comparing.
        var sample = await ConversationMaker.WriteAsync(
            Path.Combine(_directory, "long talk.wav"), [Voice.Available.Single(v => v.Name == "librivox"), Voice.Available.Single(v => v.Name == "slt")], TimeSpan.FromSeconds(90), seed: 21, overlap: 0);
        var reference = Path.Combine(_directory, "reference");
        await FileProcessor.ProcessAsync(sample.Path, reference, TextWriter.Null, CancellationToken.None);
        Assert.Equal(
            ["spk1", "spk2"],
            (await File.ReadAllLinesAsync(Path.Combine(reference, "diarization.rttm"))).Select(l => l.Split(' ')[7]).Distinct().Order(StringComparer.Ordinal));

        string id;
        var first = await StartNodeAsync();
        try
        {
            var (status, output) = await PbmAsync("--json", "media", "submit", sample.Path);
            Assert.True(status == 0, $"pbm submit exited {status}: {output}");
            id = JsonDocument.Parse(output).RootElement.GetProperty("id").GetString()!;
            await WaitForAsync(first, id, p => p.GetProperty("segments_transcribed").GetInt32() >= 3);
        }
        finally
        {
            first.Kill(); // SIGKILL: no shutdown hooks, no flush beyond what the journal committed
            await first.WaitForExitAsync();
        }

        var recorded = await CountRecordedAsync("job-" + id);
        Assert.True(recorded >= 3, $"only {recorded} results were recorded before the kill");

        var second = await StartNodeAsync();
        try
        {
            var (status, output) = await PbmAsync("media", "watch", id);
            Assert.True(status == 0, $"pbm watch exited {status}: {output}\nnode:\n{NodeOutput()}");
            using var client = await ClientAsync();
            var job = await client.GetFromJsonAsync<JsonElement>($"api/jobs/{id}");
            var found = job.GetProperty("segments_found").GetInt32();
            Assert.True(found > recorded, $"the job found {found} segments, all recorded before the kill; it was not killed mid-job");
            var metrics = await client.GetStringAsync("metrics");
            Assert.Equal(found - recorded, PrometheusText.Value(metrics, "mediacluster_asr_recognitions_total"));

            var results = Path.Combine(_directory, "results");
            (status, output) = await PbmAsync("media", "result", id, "--out", results);
            Assert.True(status == 0, output);
            foreach (var name in new[] { "transcript.txt", "transcript.srt", "transcript.json", "vad.rttm", "diarization.rttm" })
            {
                Assert.Equal(await File.ReadAllTextAsync(Path.Combine(reference, name)), await File.ReadAllTextAsync(Path.Combine(results, name)));
            }
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Node_SigTerm_LeavesTheClusterAndExitsZero_RemovingItsEndpointsFile()
    {
        var node = await StartNodeAsync();
        using (var term = Process.Start("kill", ["-TERM", node.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        await Task.WhenAny(node.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (!node.HasExited)
        {
            node.Kill();
        }

        Assert.True(node.HasExited, $"the node did not stop within 60 s of SIGTERM:\n{NodeOutput()}");
        Assert.True(node.ExitCode == 0, $"the node exited {node.ExitCode} on SIGTERM:\n{NodeOutput()}");
        Assert.False(File.Exists(Path.Combine(Data, NodeHost.EndpointsFile)), "node.json was left behind");
        Assert.DoesNotContain("fail:", NodeOutput());
    }

    private async Task<Process> StartNodeAsync()
    {
        var (mc, configuration) = Mc();
        var info = new ProcessStartInfo(mc) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["MC_CONFIGURATION"] = configuration;
        foreach (var arg in new[] { "node", "run", "--Node:DataDirectory", Data, "--Node:HttpPort", "0", "--Node:ManagementPort", "0" })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // ./mc sets up, builds (nothing to do: the tests run on a built tree), then execs the node in its own
        // process, so the pid is the node's; the node writes node.json (with that pid) once it listens.
        var endpoints = Path.Combine(Data, NodeHost.EndpointsFile);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!(File.Exists(endpoints) && ReadEndpoints(endpoints)?.Pid == process.Id))
        {
            Assert.False(process.HasExited, $"./mc node run exited with {(process.HasExited ? process.ExitCode : 0)} before listening:\n{NodeOutput()}");
            Assert.True(DateTime.UtcNow < deadline, $"./mc node run did not write {endpoints} within two minutes:\n{NodeOutput()}");
            await Task.Delay(100);
        }

        return process;
    }

    private async Task WaitForAsync(Process node, string id, Func<JsonElement, bool> condition)
    {
        using var client = await ClientAsync();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>($"api/jobs/{id}");
            if (condition(job))
            {
                return;
            }

            Assert.True(job.GetProperty("state").GetString() == "running", $"the job ended before the kill: {job}");
            Assert.False(node.HasExited, $"the node exited:\n{NodeOutput()}");
            Assert.True(DateTime.UtcNow < deadline, $"the job made no progress in two minutes: {job}");
            await Task.Delay(50);
        }
    }

    private async Task<HttpClient> ClientAsync()
    {
        var (endpoints, token) = await ServedNode.ReadDataDirectoryAsync(Data);
        var client = new HttpClient { BaseAddress = new Uri(endpoints.Management + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<(int Status, string Output)> PbmAsync(params string[] args)
    {
        var output = new StringWriter();
        var status = await Pbm.RunAsync(["--data-dir", Data, .. args], output, output, terminal: false, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3));
        return (status, output.ToString());
    }

    private async Task<int> CountRecordedAsync(string persistenceId)
    {
        var rows = await JournalReader.ReadSqliteAsync(Path.Combine(Data, "journal"), persistenceId);
        return rows.Count(r => r.Decode() is SegmentTranscribed);
    }

    private static NodeEndpoints? ReadEndpoints(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<NodeEndpoints>(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>This checkout's ./mc and the configuration these tests were built in (bin/CONFIG/net10.0).</summary>
    private static (string Mc, string Configuration) Mc()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        var mc = Path.Combine(Checkout.Root, "mc");
        Assert.True(File.Exists(mc), $"{mc} is missing");
        return (mc, testBin.Parent!.Name);
    }

    private string NodeOutput()
    {
        lock (_nodeOutput)
        {
            return _nodeOutput.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_nodeOutput)
            {
                _nodeOutput.AppendLine(line);
            }
        }
    }
}
