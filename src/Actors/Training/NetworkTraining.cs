using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MediaCluster.Media.Learning;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Training;

/// <summary>
/// A network's training, supervised: the split examples and the run's settings go into the run's folder (beside the
/// datasets, so the next trainer finds them after a hand-over), a training process (libtorch, never in the node itself)
/// trains and checkpoints each epoch, its progress lines become the trainer's phase and one log line per epoch. A
/// process that crashes, runs out of memory or is killed is started again and resumes at its last checkpoint, up to
/// <see cref="MaxProcessFailures"/> times; then the run fails saying how the process ended. The network it writes is
/// run in managed code here and must give libtorch's own labels on the test split, or the run fails.
/// </summary>
internal sealed class NetworkTraining(TrainerOptions options, ILogger log)
{
    /// <summary>Training processes one run may lose before it fails.</summary>
    public const int MaxProcessFailures = 3;

    private const int KeptErrorLines = 20;

    /// <summary>The network, its labels for the test split as run here, and the peak resident memory (MB) its last training process reported.</summary>
    public async Task<(Classifier Model, IReadOnlyList<string> TestLabels, double? PeakRssMb)> TrainAsync(
        TrainingRequested run,
        LearningTask task,
        ClassifierConfig config,
        IReadOnlyDictionary<DataSplit, IReadOnlyList<LabelledExample>> split,
        IReadOnlyList<string> labels,
        IProgress<TrainerProgress> progress,
        CancellationToken stopping)
    {
        var command = options.NetworkTrainer
            ?? throw new InvalidOperationException($"this node cannot start a training process for the {config.Trainer} learner (it runs without the node's executable)");
        var (network, input) = Shape(task, config, split);
        var key = Key(run.DatasetHash, config, network, input, labels);
        var folder = Path.Combine(options.RunsRoot, task.Name, $"{run.DatasetHash}-{key[..12]}");
        if (!HasRun(folder, key))
        {
            var examples = split.SelectMany(part => part.Value.Select(e => e with { Split = part.Key })).ToList();
            await NeuralRunFiles.WriteAsync(folder, new NeuralRun(key, network, input, labels, config), examples, stopping).ConfigureAwait(false);
        }

        var failures = new List<string>();
        var peak = new double?[1];
        while (true)
        {
            var ended = await RunProcessAsync(command, folder, task.Name, progress, peak, stopping).ConfigureAwait(false);
            if (ended is null)
            {
                break;
            }

            failures.Add(ended);
            if (failures.Count >= MaxProcessFailures)
            {
                throw new InvalidOperationException($"the training process failed {failures.Count} times; the last {ended}");
            }

            log.LogWarning("Training process of {Task} {Ended}; starting it again ({Failures} of {Max}), from its last checkpoint", task.Name, ended, failures.Count, MaxProcessFailures);
        }

        var model = NeuralClassifier.Read(await File.ReadAllBytesAsync(Path.Combine(folder, NeuralRunFiles.Model), stopping).ConfigureAwait(false), $"the {task.Name} network");
        var theirs = NeuralRunFiles.ReadLabels(Path.Combine(folder, NeuralRunFiles.TestLabels));
        var test = split[DataSplit.Test];
        var index = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var ours = test.Select(e => model.Predict(e.Features).Label).ToList();
        var differ = theirs.Length != test.Count ? test.Count : ours.Where((label, i) => index[label] != theirs[i]).Count();
        // Float sums in another order may tip a near-tie: a handful may differ, a wrong export would differ wholesale.
        if (differ > Math.Max(2, test.Count / 200))
        {
            throw new InvalidOperationException($"the network as this node runs it gives other labels than the training process on {differ} of {test.Count} test examples");
        }

        log.LogInformation("Network of {Task} trained ({Network}, input [{Input}]); run here it gives the training process's labels on {Same} of {Count} test examples",
            task.Name, network, string.Join(", ", input), test.Count - differ, test.Count);
        Directory.Delete(folder, recursive: true);
        return (model, ours, peak[0]);
    }

    /// <summary>Deletes the run folders (data, checkpoints) of a task's dataset: a run cancelled by request is not resumed.</summary>
    public static void DeleteRuns(TrainerOptions options, string task, string datasetHash, ILogger log)
    {
        var folder = Path.Combine(options.RunsRoot, task);
        try
        {
            if (Directory.Exists(folder))
            {
                foreach (var run in Directory.GetDirectories(folder, $"{datasetHash}-*"))
                {
                    Directory.Delete(run, recursive: true);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("The run folder of {Task} on dataset {Hash} could not be deleted: {Reason}", task, datasetHash, ex.Message);
        }
    }

    /// <summary>The network and its input for a task's learner: cnn over an image task's pictures, mlp over any feature vector.</summary>
    private static (string Network, IReadOnlyList<int> Input) Shape(LearningTask task, ClassifierConfig config, IReadOnlyDictionary<DataSplit, IReadOnlyList<LabelledExample>> split) =>
        config.Trainer switch
        {
            "cnn" when task is ImageTask image => ("cnn", image.Input),
            "cnn" => throw new ArgumentException($"the cnn learner is for image tasks; {task.Name} is not one (use mlp-head)"),
            _ => ("mlp", [split[DataSplit.Train].FirstOrDefault()?.Features.Length ?? throw new ArgumentException("the training split is empty")]),
        };

    private static string Key(string dataset, ClassifierConfig config, string network, IReadOnlyList<int> input, IReadOnlyList<string> labels) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{dataset}|{JsonSerializer.Serialize(config)}|{network}|{string.Join(',', input)}|{JsonSerializer.Serialize(labels)}|{typeof(NeuralRun).Assembly.ManifestModule.ModuleVersionId}")));

    private static bool HasRun(string folder, string key)
    {
        try
        {
            return File.Exists(Path.Combine(folder, NeuralRunFiles.Data)) && NeuralRunFiles.ReadSpec(folder).Key == key;
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return false;
        }
    }

    /// <summary>Runs one training process to its end: null when it wrote the model, else how it ended.</summary>
    private async Task<string?> RunProcessAsync(IReadOnlyList<string> command, string folder, string task, IProgress<TrainerProgress> progress, double?[] peak, CancellationToken stopping)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1).Append(folder))
        {
            start.ArgumentList.Add(argument);
        }

        // libtorch's OpenMP threads spin while they wait unless told not to before it loads; on a busy node spinning
        // threads made two threads ten times slower than one.
        start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        start.Environment["MC_TRAINING_PARENT"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture); // it ends if this process goes
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"the training process ({command[0]}) did not start");
        var errors = new Queue<string>();
        var readErrors = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                lock (errors)
                {
                    errors.Enqueue(line.Length > 500 ? line[..500] : line);
                    if (errors.Count > KeptErrorLines)
                    {
                        errors.Dequeue();
                    }
                }
            }
        }, CancellationToken.None);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(stopping).ConfigureAwait(false) is { } line)
            {
                if (Report(line, task, progress) is { } rss)
                {
                    peak[0] = rss;
                }
            }

            await process.WaitForExitAsync(stopping).ConfigureAwait(false);
            await readErrors.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode == 0 && File.Exists(Path.Combine(folder, NeuralRunFiles.Model)))
        {
            return null;
        }

        string said;
        lock (errors)
        {
            said = string.Join(" | ", errors.Where(l => l.Trim().Length > 0).TakeLast(3));
        }

        var how = process.ExitCode > 128 ? $"was killed by signal {process.ExitCode - 128}" : $"exited with {process.ExitCode}";
        return said.Length > 0 ? $"{how}: {said}" : how;
    }

    /// <summary>A progress line (JSON) becomes the trainer's phase, and an epoch's end a log line (returning the process's peak memory); anything else is ignored.</summary>
    private double? Report(string line, string task, IProgress<TrainerProgress> progress)
    {
        NeuralProgress? step;
        try
        {
            step = line.Length <= 4096 && line.StartsWith('{') ? JsonSerializer.Deserialize<NeuralProgress>(line) : null;
        }
        catch (JsonException)
        {
            step = null;
        }

        if (step is null)
        {
            return null;
        }

        if (step.ResumedFromEpoch is { } resumed)
        {
            log.LogInformation("Training {Task} resumes after epoch {Epoch} of {Epochs}, from its checkpoint", task, resumed, step.Epochs);
            progress.Report(new TrainerProgress(TrainerPhase.Training, Detail: $"resumed after epoch {resumed}/{step.Epochs}"));
            return null;
        }

        var accuracy = step.ValidationAccuracy is { } a ? string.Create(CultureInfo.InvariantCulture, $", validation accuracy {a:0.000}") : string.Empty;
        var detail = string.Create(CultureInfo.InvariantCulture, $"epoch {step.Epoch}/{step.Epochs}, step {step.Batch}/{step.Batches}, loss {step.Loss:0.000}{accuracy}");
        progress.Report(new TrainerProgress(TrainerPhase.Training, Detail: detail));
        if (step.Batch == step.Batches)
        {
            log.LogInformation("Training {Task}: {Detail}", task, detail);
        }

        return step.PeakRssMb;
    }
}
