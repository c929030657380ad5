using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using k8s.Models;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>
/// The Kubernetes StatefulSet as rendered (kubectl kustomize deploy/k8s/base), its pods run as Docker containers
/// with exactly the container's image, command, args, environment (fieldRef, secretKeyRef and the ConfigMap resolved
/// as the kubelet resolves them), user, volumes and the DNS names the headless Service gives (network aliases):
/// they form one cluster, the probes answer as the kubelet calls them (HTTP GET at the pod's address), and a pod
/// stopped as Kubernetes stops one (preStop, then SIGTERM, SIGKILL after the grace period) hands its job off.
/// What needs an API server (scheduling, the Services' virtual IPs, the PodDisruptionBudget) is not shown here.
/// </summary>
[Trait("Category", "Deployment")]
[Collection(ClusterProcessCollection.Name)]
public sealed partial class KubernetesPodTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mc-k8s-").FullName;
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _containers = [];
    private string Network => $"mck8s{_suffix}";
    private string SharedVolume => $"mck8s{_suffix}-shared";

    public async Task InitializeAsync()
    {
        Assert.True(await Docker.AnswersAsync(), "no Docker engine answers: run these with ./mc test-deployment, which starts one");
        await Docker.RunAsync("network", "create", Network);
        await Docker.RunAsync("volume", "create", SharedVolume);
    }

    public async Task DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await Tool.RunAsync("docker", ["rm", "-f", "-v", container]);
        }

        await Tool.RunAsync("docker", ["network", "rm", Network]);
        await Tool.RunAsync("docker", ["volume", "rm", SharedVolume]);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task StatefulSetPods_FormOneCluster_AnswerTheirProbes_AndAPodStoppedWithItsGracePeriodHandsItsJobOff()
    {
        var objects = await DeployTests.RenderAsync("base");
        var set = Assert.Single(objects.OfType<V1StatefulSet>());
        var settings = Assert.Single(objects.OfType<V1ConfigMap>());
        var headless = objects.OfType<V1Service>().Single(s => s.Spec.ClusterIP == "None");
        var pod = set.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        // The Secret the docs say to create, and the journal it names: Debian's PostgreSQL in a container.
        var secret = await MakeSecretAsync();
        await StartPostgresAsync(secret["db-password"]);

        var names = Enumerable.Range(0, set.Spec.Replicas ?? 1).Select(i => $"{set.Metadata.Name}-{i}").ToList();
        foreach (var name in names)
        {
            await StartPodAsync(name, headless.Metadata.Name, pod, container, settings, secret);
        }

        // The kubelet's probes: GET at the pod's address and the named port, 200 meaning success.
        var port = container.Ports.Single(p => p.Name == container.ReadinessProbe.HttpGet.Port.Value).ContainerPort;
        var addresses = new Dictionary<string, string>();
        foreach (var name in names)
        {
            addresses[name] = await Docker.AddressAsync(Container(name));
        }

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(container.ReadinessProbe.TimeoutSeconds ?? 1) };
        async Task<HttpStatusCode> ProbeAsync(string name, V1Probe spec)
        {
            using var response = await probe.GetAsync($"http://{addresses[name]}:{port}{spec.HttpGet.Path}");
            return response.StatusCode;
        }

        await UntilAsync(async () => (await Task.WhenAll(names.Select(n => ProbeAsync(n, container.ReadinessProbe)))).All(s => s == HttpStatusCode.OK), "every pod's readiness probe answers 200", names);
        foreach (var name in names)
        {
            Assert.Equal(HttpStatusCode.OK, await ProbeAsync(name, container.LivenessProbe));
        }

        var apis = await Task.WhenAll(names.Select(n => Docker.NodeApiAsync(Container(n), secret["api-token"])));
        // Ready means this node is Up; the others learn of the last one to join by gossip a moment later.
        await UntilAsync(async () => (await Task.WhenAll(apis.Select(a => a.MembersUpAsync()))).All(up => up == names.Count), "every pod sees all pods Up", names);
        var members = await apis[0].Client.GetStringAsync("api/cluster");
        Assert.All(names, n => Assert.Contains($"@{n}.{headless.Metadata.Name}:4053", members, StringComparison.Ordinal));

        // A job, then the pod running it stopped as Kubernetes stops a pod: its preStop hook, then SIGTERM, and SIGKILL
        // only if the grace period runs out. The node leaves within it and the job ends on another pod.
        var recording = await SpeechSampleMaker.WriteAsync(Path.Combine(_folder, "talk.wav"), TimeSpan.FromSeconds(60));
        var id = await apis[0].SubmitAsync(recording.Path);
        string? host = null;
        await UntilAsync(
            async () =>
            {
                foreach (var name in names)
                {
                    if ((await Docker.LogsAsync(Container(name))).Contains($"Job {id} started", StringComparison.Ordinal))
                    {
                        host = name;
                    }
                }

                return host is not null && (await apis[0].JobAsync(id))?.GetProperty("segments_transcribed").GetInt32() >= 2;
            },
            "a pod starts the job and records two segments",
            names);
        var atStop = (await apis[0].JobAsync(id))!.Value;
        Assert.Equal("running", atStop.GetProperty("state").GetString());

        var grace = TimeSpan.FromSeconds(pod.TerminationGracePeriodSeconds ?? 30);
        var stopping = Stopwatch.StartNew();
        await Docker.RunAsync(["exec", Container(host!), .. container.Lifecycle.PreStop.Exec.Command]);
        var left = grace - stopping.Elapsed;
        await Docker.RunAsync("stop", "-t", ((int)left.TotalSeconds).ToString(CultureInfo.InvariantCulture), Container(host!));
        var stopped = stopping.Elapsed;
        var exitCode = (await Docker.RunAsync("inspect", "-f", "{{.State.ExitCode}}", Container(host!))).Trim();
        var hostLog = await Docker.LogsAsync(Container(host!));
        Assert.True(exitCode == "0", $"{host} exited with {exitCode} after {stopped.TotalSeconds:0.0} s (137: killed at the end of the grace period):\n{hostLog}");
        Assert.True(stopped < grace, $"{host} took {stopped.TotalSeconds:0.0} s to stop, past its grace period of {grace.TotalSeconds:0} s");

        var survivor = apis[names.IndexOf(names.First(n => n != host))];
        await UntilAsync(async () => await survivor.MembersUpAsync() == names.Count - 1, "the others see the stopped pod gone", names);
        await UntilAsync(async () => (await survivor.JobAsync(id))?.GetProperty("state").GetString() == "completed", "the job completes on another pod", names);
        Console.WriteLine($"pod_stop_seconds: {stopped.TotalSeconds:0.0} (grace {grace.TotalSeconds:0} s; {host} ran the job)");
    }

    [Fact]
    public async Task GpuOverlayPod_WithoutAUsableGpu_RefusesToStartRatherThanRunOnCpu()
    {
        // The overlay's pod as rendered, but on the CPU image: the :gpu image needs a CUDA base that cannot be
        // obtained here. Its Inference:Device=cuda must stop the node at start, not let it run its models on CPU.
        var objects = await DeployTests.RenderAsync("overlays/gpu");
        var set = Assert.Single(objects.OfType<V1StatefulSet>());
        var container = Assert.Single(set.Spec.Template.Spec.Containers);
        Assert.Equal("mediacluster/node:gpu", container.Image);
        container.Image = "mediacluster/node:latest";
        var secret = await MakeSecretAsync();
        await StartPostgresAsync(secret["db-password"]);
        var name = $"{set.Metadata.Name}-0";
        await StartPodAsync(name, objects.OfType<V1Service>().Single(s => s.Spec.ClusterIP == "None").Metadata.Name, set.Spec.Template.Spec, container, Assert.Single(objects.OfType<V1ConfigMap>()), secret);

        await UntilAsync(async () => (await Docker.RunAsync("inspect", "-f", "{{.State.Running}}", Container(name))).Trim() == "false", "the gpu pod's node stops", [name]);
        var exitCode = (await Docker.RunAsync("inspect", "-f", "{{.State.ExitCode}}", Container(name))).Trim();
        var log = await Docker.LogsAsync(Container(name));
        Assert.True(exitCode != "0", $"the gpu pod's node exited with 0:\n{log}");
        Assert.Contains("cannot run on CUDA (Node:Inference:Device is cuda)", log, StringComparison.Ordinal);
    }

    /// <summary>The container standing for a pod.</summary>
    private string Container(string pod) => $"{pod}-{_suffix}";

    /// <summary>
    /// Runs one pod of the StatefulSet: the container's image, command and args; its environment resolved as the kubelet
    /// does ($(VAR) references, the pod's name, secretKeyRef, envFrom the ConfigMap); the pod's user, group and fsGroup;
    /// its volumes (the claim as a Docker volume, the Secret's items as files); hostname and the headless Service's name.
    /// </summary>
    private async Task StartPodAsync(string name, string service, V1PodSpec pod, V1Container container, V1ConfigMap settings, IReadOnlyDictionary<string, string> secret)
    {
        var environment = new Dictionary<string, string>(settings.Data);
        foreach (var variable in container.Env)
        {
            environment[variable.Name] = variable.ValueFrom switch
            {
                { FieldRef.FieldPath: "metadata.name" } => name,
                { SecretKeyRef: { } key } => secret[key.Key],
                null => VariableReference().Replace(variable.Value, m => environment.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value),
                _ => throw new InvalidOperationException($"the pod's {variable.Name} comes from a source this test does not resolve"),
            };
        }

        var secrets = pod.Volumes.Single(v => v.Secret is not null);
        var secretFolder = Path.Combine(_folder, "secret");
        var args = new List<string>
        {
            "run", "-d", "--name", Container(name), "--hostname", name, "--network", Network, "--network-alias", $"{name}.{service}",
            "--user", $"{pod.SecurityContext.RunAsUser}:{pod.SecurityContext.RunAsGroup}", "--group-add", pod.SecurityContext.FsGroup!.Value.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var mount in container.VolumeMounts)
        {
            args.AddRange(["-v", mount.Name == secrets.Name ? $"{secretFolder}:{mount.MountPath}:ro" : $"{SharedVolume}:{mount.MountPath}"]);
        }

        foreach (var (key, value) in environment)
        {
            args.AddRange(["-e", $"{key}={value}"]);
        }

        if (container.Command is { Count: > 0 } command)
        {
            args.AddRange(["--entrypoint", command[0]]);
        }

        args.Add(container.Image);
        args.AddRange(container.Command?.Skip(1) ?? []);
        args.AddRange(container.Args ?? []);
        _containers.Add(Container(name));
        await Docker.RunAsync([.. args]);
    }

    /// <summary>
    /// The Secret's keys (cluster.pfx, api-token, cert-password, journal) and its mounted items as files the pods' user
    /// reads (mode 0400, as defaultMode gives), and the claim made writable for fsGroup, as the kubelet does.
    /// </summary>
    private async Task<Dictionary<string, string>> MakeSecretAsync()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "secret")).FullName;
        using var certificate = TestCertificates.SelfSigned();
        var password = Guid.NewGuid().ToString("N");
        TestCertificates.WritePkcs12(certificate, Path.Combine(folder, "cluster.pfx"), password);
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await File.WriteAllTextAsync(Path.Combine(folder, "api-token"), token);
        var dbPassword = Guid.NewGuid().ToString("N");
        await Docker.RunAsync(
            "run", "--rm", "--user", "0", "--entrypoint", "/bin/sh", "-v", $"{folder}:/s", "-v", $"{SharedVolume}:/shared", "mediacluster/node:latest",
            "-c", "chown 10001:10001 /s /s/* && chmod 400 /s/* && chgrp 10001 /shared && chmod 2775 /shared");
        return new Dictionary<string, string>
        {
            ["api-token"] = token,
            ["cert-password"] = password,
            ["db-password"] = dbPassword,
            ["journal"] = $"Host=postgres;Username=mc;Password={dbPassword};Database=mediacluster",
        };
    }

    private async Task StartPostgresAsync(string password)
    {
        var name = $"postgres-{_suffix}";
        _containers.Add(name);
        await Docker.RunAsync(
            "run", "-d", "--name", name, "--network", Network, "--network-alias", "postgres",
            "-e", "POSTGRES_USER=mc", "-e", "POSTGRES_DB=mediacluster", "-e", $"POSTGRES_PASSWORD={password}", "mediacluster/postgres:latest");
        await UntilAsync(
            async () => (await Tool.RunAsync("docker", ["exec", name, "pg_isready", "-h", "127.0.0.1", "-U", "mc", "-d", "mediacluster"])).Status == 0,
            "PostgreSQL accepts connections",
            []);
    }

    /// <summary>Polls <paramref name="condition"/> for up to five minutes; on failure shows the pods' last log lines.</summary>
    private Task UntilAsync(Func<Task<bool>> condition, string what, IEnumerable<string> pods) =>
        Poll.UntilAsync(condition, what, TimeSpan.FromMinutes(5), async () => string.Join('\n', await Task.WhenAll(pods.Select(async p => $"--- {p}\n{await Docker.LogsAsync(Container(p))}"))));

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();
}
