using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>
/// Debian's Prometheus (a real server, not ours) scraping three node processes with deploy/prometheus's configuration and
/// rules: every node's /metrics passes promtool's checks, a query gives the recognitions per node, an alert fires for
/// a node killed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrometheusTests : ClusterProcessTest
{
    [Fact]
    public async Task ARealPrometheus_ScrapesThreeNodes_CountsRecognitionsPerNode_AndAlertsWhenOneGoesDown()
    {
        // One token for the three (as Node:ApiTokenFile gives a real cluster), in each data directory before it starts.
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        foreach (var i in new[] { 0, 1, 2 })
        {
            var data = Directory.CreateDirectory(Path.Combine(Folder, $"node-{i}"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
            await File.WriteAllTextAsync(Path.Combine(data, "api-token"), token);
            File.SetUnixFileMode(Path.Combine(data, "api-token"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await StartThreeNodesAsync("prometheus", ["api", "jobs"], ["api", "gpu"], ["api", "gpu"]);
        var targets = Nodes.Select(n => n.Client.BaseAddress!.Authority).ToList();

        // Each node's exposition passes promtool's checks (format and naming).
        foreach (var node in Nodes)
        {
            var (status, output) = await RunAsync("promtool", ["check", "metrics"], await node.Client.GetStringAsync("metrics"));
            Assert.True(status == 0, $"promtool check metrics on {node.Client.BaseAddress}: {output}");
        }

        // The shipped rules pass promtool; the shipped configuration, pointed at these nodes (targets, token file, a 1-s
        // interval), runs a real Prometheus.
        var deploy = Path.Combine(Checkout.Root, "deploy", "prometheus");
        var (rulesStatus, rulesOutput) = await RunAsync("promtool", ["check", "rules", Path.Combine(deploy, "rules.yml")]);
        Assert.True(rulesStatus == 0, rulesOutput);
        var tokenFile = Path.Combine(Folder, "prometheus-token");
        await File.WriteAllTextAsync(tokenFile, token);
        var config = Path.Combine(Folder, "prometheus.yml");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(Path.Combine(deploy, "prometheus.yml")))
            .Replace("15s", "1s", StringComparison.Ordinal)
            .Replace("- rules.yml", $"- {Path.Combine(deploy, "rules.yml")}", StringComparison.Ordinal)
            .Replace("/etc/prometheus/mediacluster-api-token", tokenFile, StringComparison.Ordinal)
            .Replace("[\"node-0:8080\", \"gpu-1:8080\", \"gpu-2:8080\"]", $"[{string.Join(", ", targets.Select(t => $"\"{t}\""))}]", StringComparison.Ordinal));
        var (configStatus, configOutput) = await RunAsync("promtool", ["check", "config", config]);
        Assert.True(configStatus == 0, configOutput);

        var port = NodeProcess.FreePorts(1)[0];
        using var prometheus = Process.Start(new ProcessStartInfo("prometheus")
        {
            ArgumentList =
            {
                $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(Folder, "tsdb")}", $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var log = prometheus.StandardError.ReadToEndAsync();
        _ = prometheus.StandardOutput.ReadToEndAsync();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            async Task<List<JsonElement>> QueryAsync(string query) =>
                [.. JsonDocument.Parse(await api.GetStringAsync($"api/v1/query?query={Uri.EscapeDataString(query)}")).RootElement.GetProperty("data").GetProperty("result").EnumerateArray()];
            static double Value(JsonElement sample) => double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);

            await UntilAsync(async () => (await QueryAsync("up{job=\"mediacluster\"} == 1")).Count == 3, "Prometheus scrapes the three nodes");

            // A job through the api+jobs node: its segments recognised on the two gpu nodes, counted by each.
            var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(Folder, "talk.wav"), TimeSpan.FromSeconds(30));
            using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(sample.Path)), "file", "talk.wav" } };
            using var submitted = await Nodes[0].Client.PostAsync("api/jobs", form);
            var (id, segments) = await CompletedAsync(Nodes[0], submitted);

            // Through Prometheus's HTTP API: the cluster's recognitions per node, summing to the job's segments, none on
            // the api+jobs node; and the recording rule over them.
            var perNode = new Dictionary<string, double>();
            await UntilAsync(
                async () =>
                {
                    perNode = (await QueryAsync("sum by (instance) (mediacluster_asr_recognitions_total{job=\"mediacluster\"})"))
                        .ToDictionary(s => s.GetProperty("metric").GetProperty("instance").GetString()!, Value);
                    return perNode.Values.Sum() == segments;
                },
                $"Prometheus counts the job's {segments} recognitions");
            Assert.Equal(targets.Order(StringComparer.Ordinal), perNode.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(0, perNode[targets[0]]);
            await UntilAsync(async () => (await QueryAsync("instance:mediacluster_asr_recognitions:rate5m")).Count == 3, "the recording rule's series");
            Assert.Equal([1, 1, 1], (await QueryAsync("mediacluster_journal_available")).Select(Value));

            // A gpu node killed: its target goes down and the node-down alert starts (pending for its minute).
            Nodes[2].Kill();
            await UntilAsync(
                async () => JsonDocument.Parse(await api.GetStringAsync("api/v1/alerts")).RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
                    .Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "MediaClusterNodeDown"
                        && a.GetProperty("labels").GetProperty("instance").GetString() == targets[2]),
                "MediaClusterNodeDown for the killed node");
        }
        finally
        {
            prometheus.Kill();
            await prometheus.WaitForExitAsync();
            Assert.DoesNotContain("level=error", await log, StringComparison.Ordinal);
        }
    }

    private static async Task<(int Status, string Output)> RunAsync(string tool, string[] arguments, string? input = null)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input ?? string.Empty);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await errors);
    }
}
