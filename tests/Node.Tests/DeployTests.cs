using System.Diagnostics;
using k8s;
using k8s.Models;

namespace MediaCluster.Node.Tests;

/// <summary>
/// The deployment files, checked offline by real tools: every kustomize overlay renders (kubectl kustomize) into
/// objects that load as the Kubernetes models (unknown fields refused), and the compose file passes docker-compose's
/// own validation. The Dockerfile's inputs exist.
/// </summary>
public sealed class DeployTests
{
    private static readonly string Deploy = Path.Combine(Checkout.Root, "deploy");

    [Fact]
    public async Task KustomizeBase_RendersANodeStatefulSetThatJoinsThroughAHeadlessServiceAndShutsDownInTime()
    {
        var objects = await RenderAsync("base");
        var set = Single<V1StatefulSet>(objects);
        var pod = set.Spec.Template.Spec;
        var node = pod.Containers.Single();
        Assert.Equal("mediacluster/node:latest", node.Image);
        Assert.Equal("/readyz", node.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/healthz", node.LivenessProbe.HttpGet.Path);
        Assert.True(pod.TerminationGracePeriodSeconds >= 45, "the grace period must outlast coordinated shutdown");
        Assert.Equal(10001, pod.SecurityContext.RunAsUser);

        var headless = objects.OfType<V1Service>().Single(s => s.Spec.ClusterIP == "None");
        Assert.Equal(set.Spec.ServiceName, headless.Metadata.Name);
        Assert.True(headless.Spec.PublishNotReadyAddresses, "seeds must resolve before a node is ready");
        Assert.Equal(4053, headless.Spec.Ports.Single().Port);

        var settings = Single<V1ConfigMap>(objects);
        Assert.Equal(settings.Metadata.Name, node.EnvFrom.Single().ConfigMapRef.Name);
        Assert.Equal($"{set.Metadata.Name}-0.{headless.Metadata.Name}:4053", settings.Data["MC_Node__Cluster__Seeds__0"]);
        Assert.Equal("$(POD_NAME).mediacluster", node.Env.Single(e => e.Name == "MC_Node__Cluster__PublicHostname").Value);
        Assert.Equal(["cluster.pfx", "api-token"], pod.Volumes.Single(v => v.Secret is not null).Secret.Items.Select(i => i.Path));
        Assert.Equal("ReadWriteMany", Single<V1PersistentVolumeClaim>(objects).Spec.AccessModes.Single());
        Assert.Equal("1", Single<V1PodDisruptionBudget>(objects).Spec.MaxUnavailable.Value);
    }

    [Fact]
    public async Task KustomizeGpuOverlay_AsksForAGpuOnGpuMachines_WithTheGpuImage_AndRequiresCuda()
    {
        var set = Single<V1StatefulSet>(await RenderAsync("overlays/gpu"));
        var pod = set.Spec.Template.Spec;
        var node = pod.Containers.Single();
        Assert.Equal("mediacluster/node:gpu", node.Image);
        Assert.Equal("1", node.Resources.Limits["nvidia.com/gpu"].ToString());
        Assert.Equal("true", pod.NodeSelector["nvidia.com/gpu.present"]);
        Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu" && t.Effect == "NoSchedule");
        Assert.Equal("cuda", node.Env.Single(e => e.Name == "MC_Node__Inference__Device").Value);
        Assert.Contains(node.Env, e => e.Name == "MC_Node__Journal__ConnectionString"); // the base's env is kept
    }

    [Fact]
    public async Task ComposeFile_IsValid_AndRefusesToRunWithoutItsPasswords()
    {
        var file = Path.Combine(Deploy, "compose", "docker-compose.yml");
        var (status, output) = await RunAsync("docker-compose", ["-f", file, "config"], new() { ["MC_DB_PASSWORD"] = "db-pass", ["MC_CERT_PASSWORD"] = "cert-pass" });
        Assert.True(status == 0, output);
        foreach (var service in new[] { "postgres", "secrets", "node-0", "gpu-1", "gpu-2" })
        {
            Assert.Contains($"\n  {service}:\n", output, StringComparison.Ordinal);
        }

        Assert.Contains("MC_Node__Roles__0: gpu", output, StringComparison.Ordinal);
        (status, output) = await RunAsync("docker-compose", ["-f", file, "config", "-q"], []);
        Assert.NotEqual(0, status);
        Assert.Contains("set MC_", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_CopiesOnlyWhatTheCheckoutHas()
    {
        var copies = File.ReadAllLines(Path.Combine(Checkout.Root, "Dockerfile"))
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            .ToList();
        Assert.Contains("src/", copies);
        Assert.All(copies, source => Assert.True(Path.Exists(Path.Combine(Checkout.Root, source)), $"the Dockerfile copies {source}, which is not in the checkout (./mc setup makes .native/)"));
    }

    private static T Single<T>(IEnumerable<object> objects) => Assert.Single(objects.OfType<T>());

    /// <summary>Renders deploy/k8s/<paramref name="overlay"/> with kubectl kustomize and loads it as typed Kubernetes objects.</summary>
    private static async Task<List<object>> RenderAsync(string overlay)
    {
        var (status, output) = await RunAsync("kubectl", ["kustomize", Path.Combine(Deploy, "k8s", overlay)], [], stdoutOnly: true);
        Assert.True(status == 0, output);
        return KubernetesYaml.LoadAllFromString(output, strict: true);
    }

    private static async Task<(int Status, string Output)> RunAsync(string tool, string[] args, Dictionary<string, string> environment, bool stdoutOnly = false)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        args.ToList().ForEach(info.ArgumentList.Add);
        info.Environment.Remove("MC_DB_PASSWORD");
        info.Environment.Remove("MC_CERT_PASSWORD");
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{tool} is not installed: ./mc setup installs it", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, stdoutOnly ? await stdout : await stdout + await stderr);
        }
    }
}
