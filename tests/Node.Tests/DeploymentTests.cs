using System.Diagnostics;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>
/// The deployment, run for real on this host's Docker engine (./mc test-deployment builds the images and runs these
/// alone; ./mc test leaves them out): the root docker-compose.yml brought up, used through pbm from the host, a gpu
/// container killed under a job, taken down and up again, refusing a stranger's certificate.
/// </summary>
[Trait("Category", "Deployment")]
[Collection(ClusterProcessCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DeploymentTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mc-deploy-").FullName;
    private readonly ComposeProject _compose = new($"mcdeploy{Guid.NewGuid().ToString("N")[..6]}");
    private readonly List<string> _containers = [];

    public async Task InitializeAsync()
    {
        Assert.True(await Docker.AnswersAsync(), "no Docker engine answers: run these with ./mc test-deployment, which starts one");
        foreach (var image in new[] { "mediacluster/node:latest", "mediacluster/postgres:latest" })
        {
            Assert.True((await Tool.RunAsync("docker", ["image", "inspect", image])).Status == 0, $"{image} is not built: ./mc image (./mc test-deployment runs it)");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await Tool.RunAsync("docker", ["rm", "-f", "-v", container]);
        }

        await _compose.RunAsync("down", "--volumes", "--remove-orphans");
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Compose_ThreeMembers_PbmFromTheHost_AGpuContainerKilledMidJob_DownAndUpKeepsTheJobs_AStrangerCannotJoin()
    {
        var recording = await SpeechSampleMaker.WriteAsync(Path.Combine(_folder, "talk.wav"), TimeSpan.FromSeconds(75));
        var video = await WriteVideoAsync(Path.Combine(_folder, "clip.mp4"));
        var reference = Path.Combine(_folder, "reference");
        await FileProcessor.ProcessAsync(recording.Path, Path.Combine(reference, "talk"), TextWriter.Null, CancellationToken.None);
        await FileProcessor.ProcessAsync(video, Path.Combine(reference, "clip"), TextWriter.Null, CancellationToken.None);

        var upAt = Stopwatch.StartNew();
        await _compose.RunAsync("up", "-d");
        var token = (await _compose.RunAsync("exec", "-T", "node-0", "cat", "/secrets/api-token")).Trim();
        var api = _compose.Api(token);
        await UntilAsync(async () => await api.MembersUpAsync() == 3, "three members are Up", TimeSpan.FromMinutes(5));
        Console.WriteLine($"compose_up_to_three_members_seconds: {upAt.Elapsed.TotalSeconds:0.0}");

        // pbm on this host, against node-0's published API port.
        var (status, shown) = await PbmAsync(token, "cluster", "show");
        Assert.True(status == 0, shown);
        var rows = shown.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..].Select(r => r.Split('\t')).ToList();
        Assert.Equal(["akka.ssl.tcp://mediacluster@gpu-1:4053 gpu up yes", "akka.ssl.tcp://mediacluster@gpu-2:4053 gpu up yes", "akka.ssl.tcp://mediacluster@node-0:4053 api,jobs up yes"],
            rows.Select(r => string.Join(' ', r[..4])).Order());

        (status, var submitted) = await PbmAsync(token, "media", "submit", recording.Path, video);
        Assert.True(status == 0, submitted);
        var ids = submitted.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[1]).ToArray();
        Assert.Equal(2, ids.Length);
        var (talk, clip) = (ids[0], ids[1]);

        // Both gpu containers recognise; the one recognising a segment of the recording is killed under it.
        var gpu = new[] { "gpu-1", "gpu-2" };
        var gpuApis = await Task.WhenAll(gpu.Select(async s => await Docker.NodeApiAsync(await _compose.ContainerAsync(s), token)));
        var killed = -1;
        await UntilAsync(
            async () =>
            {
                var job = await api.JobAsync(talk);
                if (job?.GetProperty("segments_transcribed").GetInt32() < 3)
                {
                    return false;
                }

                for (var i = 0; i < gpu.Length; i++)
                {
                    if (await gpuApis[i].MetricAsync("mediacluster_asr_busy_slots") >= 1)
                    {
                        killed = i;
                        return true;
                    }
                }

                return false;
            },
            "three segments of the recording are recorded and a gpu container is recognising");
        var atKill = (await api.JobAsync(talk))!.Value;
        Assert.True(
            atKill.GetProperty("state").GetString() == "running"
            && (!atKill.GetProperty("speech_detection_complete").GetBoolean() || atKill.GetProperty("segments_transcribed").GetInt32() < atKill.GetProperty("segments_found").GetInt32()),
            $"the job ended before a gpu container could be killed under it: {atKill}");
        await Docker.RunAsync("kill", await _compose.ContainerAsync(gpu[killed]));
        foreach (var id in ids)
        {
            await UntilAsync(async () => (await api.JobAsync(id))?.GetProperty("state").GetString() == "completed", $"job {id} completes after {gpu[killed]} was killed");
        }

        await AssertOutputsAsync(token, talk, Path.Combine(reference, "talk"), "transcript.txt", "transcript.srt", "vad.rttm");
        await AssertOutputsAsync(token, clip, Path.Combine(reference, "clip"), "transcript.txt", "scenes.csv");

        // The journal is the PostgreSQL container's (its connection string came from a settings file in the secrets
        // volume): one result per segment of the recording, none twice.
        var found = (await api.JobAsync(talk))!.Value.GetProperty("segments_found").GetInt32();
        var recorded = await _compose.RunAsync(
            "exec", "-T", "postgres", "sh", "-c",
            $"PGPASSWORD=\"$(cat /secrets/db-password)\" psql -h 127.0.0.1 -U mc -d mediacluster -tAc \"SELECT count(*), count(DISTINCT encode(message, 'hex')) FROM journal WHERE persistence_id = 'job-{talk}' AND manifest LIKE '%SegmentTranscribed%'\"");
        Assert.Equal($"{found}|{found}", recorded.Trim());

        // Down (volumes kept) and up again: the jobs and their results are still listed and served.
        await _compose.RunAsync("down");
        await _compose.RunAsync("up", "-d");
        await UntilAsync(async () => await api.MembersUpAsync() == 3, "three members are Up again after down and up", TimeSpan.FromMinutes(5));
        (status, var listed) = await PbmAsync(token, "media", "list");
        Assert.True(status == 0, listed);
        Assert.All(ids, id => Assert.Contains(listed.Split('\n'), l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains("completed", StringComparison.Ordinal)));
        await AssertOutputsAsync(token, talk, Path.Combine(reference, "talk"), "transcript.txt", "transcript.srt", "vad.rttm");

        // A container with another certificate, on the same network, naming the same seeds, is refused.
        using var stranger = TestCertificates.SelfSigned();
        var strangerFolder = Directory.CreateDirectory(Path.Combine(_folder, "stranger")).FullName;
        File.SetUnixFileMode(strangerFolder, (UnixFileMode)0b111_101_101);
        var pfx = TestCertificates.WritePkcs12(stranger, Path.Combine(strangerFolder, "cluster.pfx"), "stranger");
        File.SetUnixFileMode(pfx, (UnixFileMode)0b110_100_100);
        var name = $"{_compose.Project}-stranger";
        _containers.Add(name);
        await Docker.RunAsync(
            "run", "-d", "--name", name, "--hostname", "stranger", "--network", _compose.Network, "-v", $"{strangerFolder}:/stranger:ro",
            "-e", "MC_Node__Cluster__Certificate=/stranger/cluster.pfx", "-e", "MC_Node__Cluster__CertificatePassword=stranger",
            "-e", "MC_Node__Cluster__PublicHostname=stranger", "-e", "MC_Node__Cluster__Seeds__0=node-0:4053", "-e", "MC_Node__Cluster__Seeds__1=gpu-1:4053",
            "mediacluster/node:latest");
        var fingerprint = Actors.Hosting.MediaClusterAkka.Sha256(stranger);
        await UntilAsync(
            async () => (await _compose.RunAsync("logs", "node-0", "gpu-1")).Contains(fingerprint, StringComparison.Ordinal),
            "a seed logs the stranger's refused certificate");
        Assert.Contains("did not present the cluster's certificate", await _compose.RunAsync("logs", "node-0", "gpu-1"), StringComparison.Ordinal);
        Assert.Equal(3, await api.MembersUpAsync());
        (status, shown) = await PbmAsync(token, "cluster", "show");
        Assert.DoesNotContain("stranger", shown, StringComparison.Ordinal);
    }

    /// <summary>A 20-s video: generated shots (four movements) under the LibriVox speech.</summary>
    private async Task<string> WriteVideoAsync(string path)
    {
        var speech = await SpeechSampleMaker.WriteAsync(Path.Combine(_folder, "clip-speech.wav"), TimeSpan.FromSeconds(20), seed: 7);
        var shots = Path.Combine(_folder, "clip-shots.mp4");
        await ShotClips.WriteScenesAsync(shots, [.. ShotMovement.Labels.Select(l => (l, TimeSpan.FromSeconds(5)))], seed: 11);
        await FfmpegRunner.RunAsync(["-i", shots, "-i", speech.Path, "-shortest", "-c:v", "copy", "-c:a", "aac", "-b:a", "96k", path], CancellationToken.None);
        return path;
    }

    /// <summary>Downloads the job's files with pbm and compares each named one with the one-process run's.</summary>
    private async Task AssertOutputsAsync(string token, string id, string reference, params string[] names)
    {
        var folder = Path.Combine(_folder, "results", id + Guid.NewGuid().ToString("N")[..4]);
        var (status, output) = await PbmAsync(token, "media", "result", id, "--out", folder);
        Assert.True(status == 0, output);
        foreach (var name in names)
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(reference, name)), await File.ReadAllTextAsync(Path.Combine(folder, name)));
        }
    }

    private async Task<(int Status, string Output)> PbmAsync(string token, params string[] args)
    {
        var output = new StringWriter();
        var status = await Cli.Pbm.RunAsync([$"127.0.0.1:{_compose.HttpPort}", "--token", token, "--plain", .. args], output, output, terminal: false, CancellationToken.None);
        return (status, output.ToString().ReplaceLineEndings("\n"));
    }

    /// <summary>Polls <paramref name="condition"/> (three minutes, or <paramref name="bound"/>); on failure shows the project's containers and logs.</summary>
    private Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? bound = null) =>
        Poll.UntilAsync(condition, what, bound ?? TimeSpan.FromMinutes(3), async () => $"{(await _compose.RunAsync("ps")).Trim()}\n{await _compose.RunAsync("logs", "--tail", "60")}");
}

/// <summary>
/// The repository's docker-compose.yml as one project (its own name, so its containers, network and volumes are its
/// own), with docker compose where the plugin is installed, else Debian's docker-compose; node-0's API on a free port.
/// </summary>
internal sealed class ComposeProject(string project)
{
    private static readonly Lazy<Task<bool>> s_plugin = new(async () => (await Tool.RunAsync("docker", ["compose", "version"])).Status == 0);

    public string Project { get; } = project;

    public int HttpPort { get; } = NodeProcess.FreePorts(1)[0];

    /// <summary>The project's network (compose names it PROJECT_default).</summary>
    public string Network => $"{Project}_default";

    /// <summary>Runs a compose command on the project: its standard output (logs: both); fails the test when it fails.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        string[] common = ["-p", Project, "-f", Path.Combine(Checkout.Root, "docker-compose.yml"), .. args];
        var (tool, all) = await s_plugin.Value ? ("docker", (string[])["compose", .. common]) : ("docker-compose", common);
        var (status, stdout, stderr) = await Tool.RunSplitAsync(tool, all, new Dictionary<string, string> { ["MC_HTTP_PORT"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ["MC_HTTP_BIND"] = "127.0.0.1" });
        Assert.True(status == 0, $"{tool} {string.Join(' ', all)} exited with {status}:\n{stdout}{stderr}");
        return args[0] == "logs" ? stdout + stderr : stdout;
    }

    /// <summary>The id of the service's container.</summary>
    public async Task<string> ContainerAsync(string service) => (await RunAsync("ps", "-q", service)).Trim();

    /// <summary>node-0's API as published on this host, with the token.</summary>
    public NodeApi Api(string token) => NodeApi.Connect(new Uri($"http://127.0.0.1:{HttpPort}/"), token, TimeSpan.FromSeconds(10));
}
