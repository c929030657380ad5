using System.Text.Json;
using MediaCluster.Media.Learning;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>The node image's training process (libtorch, its glue made loadable at build time) trains inside the image, as its user.</summary>
[Trait("Category", "Deployment")]
public sealed class ImageTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mc-image-training-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task TheImagesTrainingProcess_TrainsACnnOnFashionMnist_AsUser10001()
    {
        FashionMnist.WriteSubset(Path.Combine(_folder, "data"), train: 600, test: 0);
        var task = new ImageTask("fashion", FashionMnist.Labels, 28, new ClassifierConfig { Trainer = "cnn" });
        var examples = (await task.ExamplesAsync(Datasets.DataFiles([Path.Combine(_folder, "data")], task.DataPatterns)))
            .Select((e, i) => e with { Split = i < 400 ? DataSplit.Train : i < 500 ? DataSplit.Validation : DataSplit.Test })
            .ToList();
        var run = Path.Combine(_folder, "run");
        await NeuralRunFiles.WriteAsync(run, new NeuralRun("image", "cnn", task.Input, FashionMnist.Labels, new ClassifierConfig { Trainer = "cnn", Epochs = 2, Threads = 1 }), examples, CancellationToken.None);
        await Tool.CheckedAsync("chmod", ["a+rwx", run]); // the image's user writes its checkpoints and model there

        var output = await Docker.RunAsync("run", "--rm", "-v", $"{run}:/run", "--entrypoint", "/opt/mediacluster/node/MediaCluster.Node", "mediacluster/node:latest", "train-network", "/run");
        var epochs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonSerializer.Deserialize<NeuralProgress>(l)!).Where(p => p.Batch == p.Batches).ToList();
        Assert.Equal([1, 2], epochs.Select(p => p.Epoch));
        var model = NeuralClassifier.Read(await File.ReadAllBytesAsync(Path.Combine(run, NeuralRunFiles.Model)), "the image's model");
        Assert.Equal(FashionMnist.Labels, model.Labels);
        Assert.Equal("10001", (await Tool.RunAsync("stat", ["-c", "%u", Path.Combine(run, NeuralRunFiles.Model)])).Output.Trim());
    }
}
