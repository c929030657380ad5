using System.Diagnostics;
using System.Text.Json;
using MediaCluster.Media.Learning;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>The training process the trainer starts (the node's executable with train-network), driven as the trainer drives it.</summary>
public sealed class TrainingProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mc-training-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task KilledAfterAnEpoch_ItResumesFromItsCheckpoint_AndEndsWithTheWeightsOfARunNeverStopped()
    {
        // 1 500 real FashionMNIST pictures read as an image task reads them (IDX), split by position.
        FashionMnist.WriteSubset(Path.Combine(_folder, "data"), train: 1500, test: 0);
        var task = new ImageTask("fashion", FashionMnist.Labels, 28, new ClassifierConfig { Trainer = "cnn" });
        var examples = (await task.ExamplesAsync(Datasets.DataFiles([Path.Combine(_folder, "data")], task.DataPatterns)))
            .Select((e, i) => e with { Split = i < 1200 ? DataSplit.Train : i < 1350 ? DataSplit.Validation : DataSplit.Test })
            .ToList();
        var run = new NeuralRun("fashion-test", "cnn", task.Input, FashionMnist.Labels, new ClassifierConfig { Trainer = "cnn", Epochs = 3, Threads = 1 });
        var whole = Path.Combine(_folder, "whole");
        var stopped = Path.Combine(_folder, "stopped");
        await NeuralRunFiles.WriteAsync(whole, run, examples, CancellationToken.None);
        await NeuralRunFiles.WriteAsync(stopped, run, examples, CancellationToken.None);

        var (exit, lines) = await RunAsync(whole, stopAfterEpoch: null);
        Assert.True(exit == 0, $"the whole run exited {exit}: {string.Join('\n', lines)}");
        Assert.Equal([1, 2, 3], Epochs(lines));

        // Killed (SIGKILL) once its first epoch is checkpointed; started again, it says it resumes and trains epochs 2 and 3.
        (exit, lines) = await RunAsync(stopped, stopAfterEpoch: 1);
        Assert.Equal(137, exit);
        Assert.Equal([1], Epochs(lines));
        Assert.False(File.Exists(Path.Combine(stopped, NeuralRunFiles.Model)), "the killed run wrote a model");
        (exit, lines) = await RunAsync(stopped, stopAfterEpoch: null);
        Assert.True(exit == 0, $"the resumed run exited {exit}: {string.Join('\n', lines)}");
        Assert.Equal(1, JsonSerializer.Deserialize<NeuralProgress>(lines[0])!.ResumedFromEpoch);
        Assert.Equal([2, 3], Epochs(lines));

        var model = await File.ReadAllBytesAsync(Path.Combine(whole, NeuralRunFiles.Model));
        Assert.Equal(model, await File.ReadAllBytesAsync(Path.Combine(stopped, NeuralRunFiles.Model)));
        Assert.Equal(NeuralRunFiles.ReadLabels(Path.Combine(whole, NeuralRunFiles.TestLabels)), NeuralRunFiles.ReadLabels(Path.Combine(stopped, NeuralRunFiles.TestLabels)));

        // The network run in managed code gives libtorch's labels on the test split.
        var network = NeuralClassifier.Read(model, "the model");
        var theirs = NeuralRunFiles.ReadLabels(Path.Combine(whole, NeuralRunFiles.TestLabels));
        var tests = examples.Where(e => e.Split == DataSplit.Test).ToList();
        var ours = tests.Select(e => FashionMnist.Labels.ToList().IndexOf(network.Predict(e.Features).Label)).ToArray();
        Assert.True(ours.Where((label, i) => label != theirs[i]).Count() <= 1, $"managed {string.Join(',', ours)}\nlibtorch {string.Join(',', theirs)}");
    }

    /// <summary>The epochs whose end the process reported.</summary>
    private static int[] Epochs(IEnumerable<string> lines) =>
        [.. lines.Select(l => JsonSerializer.Deserialize<NeuralProgress>(l)!).Where(p => p.ResumedFromEpoch is null && p.Batch == p.Batches).Select(p => p.Epoch)];

    /// <summary>Runs the process over <paramref name="folder"/> (killed once it reports the end of <paramref name="stopAfterEpoch"/>); its exit code and progress lines.</summary>
    private static async Task<(int Exit, List<string> Lines)> RunAsync(string folder, int? stopAfterEpoch)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "MediaCluster.Node.dll"), "train-network", folder })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3)) is { } line)
        {
            lines.Add(line);
            var progress = JsonSerializer.Deserialize<NeuralProgress>(line)!;
            if (progress.Epoch == stopAfterEpoch && progress.Batch == progress.Batches)
            {
                process.Kill();
            }
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        lines.Add(await errors);
        return (process.ExitCode, lines.Where(l => l.StartsWith('{')).ToList());
    }
}
