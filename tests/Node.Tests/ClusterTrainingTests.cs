using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>The trainer singleton's network training across a node's death: the next trainer resumes from the checkpoint.</summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterTrainingTests : ClusterProcessTest
{
    [Fact]
    public async Task TheNodeTrainingANetworkIsKilledMidRun_TheTrainerOnASurvivorResumesFromItsCheckpoint_AndPromotesTheModel()
    {
        // Three nodes with every role sharing one datasets folder (where the run's checkpoints lie, as the docs say to
        // share it among the nodes that may host the trainer).
        await StartThreeNodesAsync("training", [], [], [], "--Node:Datasets", Path.Combine(Folder, "datasets"));
        var data = Path.Combine(Folder, "fashion");
        FashionMnist.WriteSubset(data, train: 6000, test: 500);
        var zip = Path.Combine(Folder, "fashion.zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(data, zip);

        var config = new { trainer = "cnn", epochs = 4, threads = 1 };
        using (var defined = await Nodes[0].Client.PostAsJsonAsync("api/models/tasks", new { name = "fashion", kind = "image", labels = FashionMnist.Labels, config }))
        {
            Assert.True(defined.IsSuccessStatusCode, await defined.Content.ReadAsStringAsync());
        }

        var (status, body) = await UploadDatasetAsync(Nodes[0], "fashion", zip);
        Assert.True(status == 202, body);

        // The node whose trainer reports the end of the first epoch is killed (SIGKILL) there and then.
        NodeProcess? trainer = null;
        await UntilAsync(() => Task.FromResult((trainer = Nodes.FirstOrDefault(n => n.Output.Contains("Training fashion: epoch 1/4", StringComparison.Ordinal))) is not null), "a node's trainer ends the first epoch");
        trainer!.Kill();
        var survivors = Nodes.Where(n => n != trainer).ToList();

        // Its training process sees the node gone and stops: nothing trains on beside the next trainer.
        await UntilAsync(() => Task.FromResult(!TrainingProcessesOf(Folder).Any()), "the dead node's training process stops", TimeSpan.FromSeconds(30));

        await UntilAsync(() => Task.FromResult(survivors.Any(n => n.Output.Contains("Training fashion resumes after epoch", StringComparison.Ordinal))), "a survivor's trainer resumes the run from its checkpoint");
        var resumed = survivors.Single(n => n.Output.Contains("Training fashion resumes after epoch", StringComparison.Ordinal));
        Assert.DoesNotContain("Training fashion: epoch 1/4", resumed.Output, StringComparison.Ordinal);
        JsonElement version = default;
        await UntilAsync(
            async () => (await resumed.Client.GetFromJsonAsync<JsonElement>("api/models?task=fashion")).EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } v && (version = v).GetProperty("status").GetString() != "candidate",
            "the resumed run registers a version");
        Assert.Equal("promoted", version.GetProperty("status").GetString());
        Assert.True(version.GetProperty("test_accuracy").GetDouble() >= 0.75, version.ToString());
        Assert.Contains("Training fashion: epoch 4/4", resumed.Output, StringComparison.Ordinal);
    }

    /// <summary>Training processes still running over a run folder under <paramref name="folder"/> (any node's).</summary>
    private static IEnumerable<int> TrainingProcessesOf(string folder) =>
        Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit)).Select(int.Parse!).Where(pid =>
        {
            try
            {
                var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                return commandLine.Contains("train-network", StringComparison.Ordinal) && commandLine.Contains(folder, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });
}
