using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MediaCluster.Actors.Hosting;
using MediaCluster.Media;
using MediaCluster.Media.Learning;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Training;

/// <summary>
/// The work of one training run, off the <see cref="Trainer"/> actor: the task's config, features, a stratified split,
/// training, metrics, the comparison with the promoted version on the same test split, the registry's record and the
/// promotion or rejection — and the per-machine cache that lets a node register a default trained here before.
/// </summary>
internal sealed class TrainingRuns(TrainerOptions options, ModelRegistry registry, NodeEngines engines, TaskCatalog catalog, ILogger log)
{
    private readonly TrainerOptions _options = options;
    private readonly ModelRegistry _registry = registry;
    private readonly NodeEngines _engines = engines;
    private readonly NetworkTraining _networks = new(options, log);
    private readonly ILogger _log = log;

    /// <summary>One run: features, split, train, measure, register, promote or reject.</summary>
    public async Task<TrainingFinished> RunAsync(TrainingRequested run, IProgress<TrainerProgress> progress, CancellationToken stopping)
    {
        var task = run.Request.Task;
        var finished = new TrainingFinished { Task = task, DatasetHash = run.DatasetHash };
        try
        {
            var learning = await catalog.FindAsync(task) ?? throw new InvalidOperationException($"task '{task}' is no longer defined");
            var files = Datasets.DataFiles(run.Request.Paths, learning.DataPatterns);
            var config = await ConfigAsync(learning);
            var trained = DefaultCache(run, config);
            if (trained is not null && File.Exists(trained + ".zip") && File.Exists(trained + ".json") && await _registry.PromotedAsync(task) is null)
            {
                return await RegisterCachedDefaultAsync(run, config, trained, finished);
            }

            _log.LogInformation("Training {Task} started: dataset {Hash} ({Files} file(s)), trainer {Trainer}", task, run.DatasetHash, files.Count, config.Trainer);
            var watch = Stopwatch.StartNew();
            IReadOnlyList<LabelledExample> examples;
            using (_engines.Use())
            {
                examples = await learning.ExamplesAsync(files, new Progress<double>(p => progress.Report(new TrainerProgress(TrainerPhase.Features, p))), stopping);
            }

            progress.Report(new TrainerProgress(TrainerPhase.Training));
            double? processRss = null;
            var result = config.Neural
                ? await Media.Learning.Training.RunAsync(examples, config, async (split, labels) =>
                {
                    var (network, tested, rss) = await _networks.TrainAsync(run, learning, config, split, labels, progress, stopping);
                    processRss = rss;
                    return (network, tested);
                })
                : Media.Learning.Training.Run(examples, config, stopping);
            var seconds = watch.Elapsed.TotalSeconds;
            progress.Report(new TrainerProgress(TrainerPhase.Evaluating));

            var current = await _registry.PromotedAsync(task);
            double? currentF1 = current is null ? null : await CurrentF1Async(task, current.Version, result);
            var metrics = JsonSerializer.Serialize(new
            {
                examples = examples.Count,
                train_seconds = Math.Round(seconds, 3),
                training_process_peak_rss_mb = processRss,
                validation = result.Validation,
                test = result.Test,
                current_version = current?.Version,
                current_test_macro_f1 = currentF1,
            });
            var bytes = result.Classifier.ToBytes();
            stopping.ThrowIfCancellationRequested();
            if (trained is not null)
            {
                await CacheDefaultAsync(trained, bytes, metrics);
            }

            finished.Version = await RegisterAsync(run, config, bytes, metrics);
            await DecideAsync(finished, result.Test.MacroF1, current?.Version, currentF1);
        }
        catch (Exception ex) when (ex is MediaException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or JsonException or System.Data.Common.DbException)
        {
            finished.Version = 0;
            finished.Outcome = ModelStatus.Failed;
            finished.Reason = ex.Message;
        }

        return finished;
    }

    /// <summary>The promoted version's macro-F1 on the new run's test split (0 when it cannot be measured: any model that works beats it).</summary>
    private async Task<double> CurrentF1Async(string task, int version, TrainingResult result)
    {
        try
        {
            var model = Classifier.Load(await _registry.ArtifactAsync(task, version), $"{task} v{version}");
            return model.FeatureCount == result.Classifier.FeatureCount ? ClassifierMetrics.Of(model, result.TestSet, result.Test.Labels).MacroF1 : 0;
        }
        catch (MediaException)
        {
            return 0; // an unreadable promoted model is beaten by any that works
        }
    }

    /// <summary>Promotes the new version when it beats the promoted one on the same test split (or there is none), else rejects it; says why.</summary>
    private async Task DecideAsync(TrainingFinished finished, double f1, int? current, double? currentF1)
    {
        var task = finished.Task;
        var score = f1.ToString("0.000", CultureInfo.InvariantCulture);
        if (current is not { } promoted || f1 > currentF1)
        {
            finished.Outcome = ModelStatus.Promoted;
            finished.Reason = current is null
                ? $"the first {task} model: test macro-F1 {score}"
                : $"test macro-F1 {score} beats v{current}'s {currentF1:0.000} on the same split";
            await _registry.PromoteAsync(task, finished.Version, finished.Reason);
        }
        else
        {
            finished.Outcome = ModelStatus.Rejected;
            finished.Reason = $"test macro-F1 {score} does not beat v{promoted}'s {currentF1:0.000} on the same split";
            await _registry.RejectAsync(task, finished.Version, finished.Reason);
        }
    }

    /// <summary>
    /// Where a default model trained on this machine is kept (without extension), or null for a run that is not the
    /// default: keyed by task, dataset, config and the build of the feature code (a new build trains afresh), so the
    /// generated default is trained once per machine and build, not once per node — a new cluster's nodes, or every test
    /// node, register it in milliseconds.
    /// </summary>
    private string? DefaultCache(TrainingRequested run, ClassifierConfig config)
    {
        if (run.Request.Origin != "default")
        {
            return null;
        }

        var key = $"{JsonSerializer.Serialize(config)}|{typeof(LearningTask).Assembly.ManifestModule.ModuleVersionId}";
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..12];
        return Path.Combine(_options.CacheRoot, "trained", $"{run.Request.Task}-{run.DatasetHash}-{hash}");
    }

    private static async Task CacheDefaultAsync(string path, byte[] model, string metrics)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        foreach (var (extension, write) in new (string, Func<string, Task>)[] { (".zip", f => File.WriteAllBytesAsync(f, model)), (".json", f => File.WriteAllTextAsync(f, metrics)) })
        {
            var staging = $"{path}{extension}.{Guid.NewGuid():N}";
            await write(staging);
            File.Move(staging, path + extension, overwrite: true);
        }
    }

    /// <summary>The default model trained on this machine before (same data, config and build): registered and promoted as the first.</summary>
    private async Task<TrainingFinished> RegisterCachedDefaultAsync(TrainingRequested run, ClassifierConfig config, string cached, TrainingFinished finished)
    {
        var task = run.Request.Task;
        var bytes = await File.ReadAllBytesAsync(cached + ".zip");
        var metrics = await File.ReadAllTextAsync(cached + ".json");
        Classifier.Load(bytes, $"the cached default {task} model"); // refuse a damaged cache here, not in the classifiers
        using var document = JsonDocument.Parse(metrics);
        var f1 = document.RootElement.GetProperty("test").GetProperty("macro_f1").GetDouble();
        finished.Version = await RegisterAsync(run, config, bytes, metrics);
        finished.Outcome = ModelStatus.Promoted;
        finished.Reason = string.Create(CultureInfo.InvariantCulture, $"the first {task} model: test macro-F1 {f1:0.000} (the default, trained on this machine before)");
        await _registry.PromoteAsync(task, finished.Version, finished.Reason);
        return finished;
    }

    /// <summary>Writes a trained model's file under the models folder and records it in the registry; returns its version.</summary>
    private async Task<int> RegisterAsync(TrainingRequested run, ClassifierConfig config, byte[] bytes, string metrics)
    {
        var artifact = Path.Combine(_options.ModelsRoot, run.Request.Task, $"{run.DatasetHash}-{config.Trainer}.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
        await File.WriteAllBytesAsync(artifact, bytes);
        return await _registry.RegisterAsync(run.Request.Task, run.DatasetHash, JsonSerializer.Serialize(config), metrics, artifact, bytes, DateTimeOffset.UtcNow);
    }

    /// <summary>The task's settings: <c>DATASETS/TASK.json</c> if there is one, else the task's defaults.</summary>
    private async Task<ClassifierConfig> ConfigAsync(LearningTask task)
    {
        var path = Path.Combine(_options.DatasetsRoot, task.Name + ".json");
        if (!File.Exists(path))
        {
            return task.DefaultConfig;
        }

        try
        {
            return (JsonSerializer.Deserialize<ClassifierConfig>(await File.ReadAllTextAsync(path)) ?? task.DefaultConfig).Validated();
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            throw new InvalidOperationException($"the config {path} is not valid: {ex.Message}", ex);
        }
    }
}
