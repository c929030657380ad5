using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence;
using MediaCluster.Media;
using MediaCluster.Media.Learning;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Training;

/// <summary>Where the trainer finds data and settings.</summary>
/// <param name="DatasetsRoot">Watched folders, one per task (<c>DATASETS/shot-movement</c>); a task's config is <c>DATASETS/TASK.json</c>.</param>
/// <param name="ModelsRoot">Where model files are written (also kept in the registry).</param>
/// <param name="CacheRoot">Where the generated default dataset is made once per machine.</param>
/// <param name="Poll">How often the dataset folders are looked at.</param>
public sealed record TrainerOptions(string DatasetsRoot, string ModelsRoot, string CacheRoot, TimeSpan Poll);

/// <summary>
/// The trainer, a persistent cluster singleton: one run at a time, each on a dataset (its content hash is its version)
/// from a watched folder, an API/pbm request, or the generated default when a task has no model. A run extracts the
/// features, splits (stratified, seeded), trains with the task's config, measures on validation and test, registers the
/// version, and promotes it when its test macro-F1 beats the promoted version's on the same test split (or there is
/// none); a promotion is published on the cluster's <see cref="Topic"/>. The journal holds what was asked and what
/// ended, so a run cut off by a crash or a hand-over is redone, and the same data is never trained twice.
/// </summary>
public sealed class Trainer : ReceivePersistentActor
{
    /// <summary>The distributed pub-sub topic of <see cref="ModelPromoted"/>.</summary>
    public const string Topic = "models";

    private readonly TrainerOptions _options;
    private readonly ModelRegistry _registry;
    private readonly NodeEngines _engines;
    private readonly ActorClock _clock;
    private readonly ILogger _log;
    private readonly Dictionary<(string Task, string Hash), TrainingFinished> _finished = [];
    private readonly List<TrainingRequested> _pending = [];
    private readonly Dictionary<string, string> _folderSignatures = [];
    private readonly Dictionary<string, string> _lastSeen = [];
    private readonly HashSet<string> _defaultsAsked = [];

    // Cancelled when the trainer stops (its node shuts down, or the singleton moves): a run in progress then stops
    // before it writes anything, and is redone by the next incarnation (its TrainingRequested has no TrainingFinished).
    private readonly CancellationTokenSource _stopping = new();
    private TrainingRequested? _running;
    private string _phase = "idle";

    public Trainer(TrainerOptions options, ModelRegistry registry, NodeEngines engines, TimeProvider time, ILogger log)
    {
        _options = options;
        _registry = registry;
        _engines = engines;
        _log = log;
        _clock = new ActorClock(time, Self);
        Recover<TrainingRequested>(r => _pending.Add(r));
        Recover<TrainingFinished>(OnFinishedRecorded);
        Recover<RecoveryCompleted>(_ =>
        {
            _clock.StartPeriodic("poll", Poll.Instance, _options.Poll);
            Self.Tell(Poll.Instance);
            RunNext();
        });
        Command<TrainModel>(train => HashThen(train, Sender));
        Command<Hashed>(OnHashed);
        Command<EnsureDefaultModel>(ensure => EnsureDefault(ensure.Task));
        Command<DefaultDatasetReady>(ready => HashThen(new TrainModel { Task = ready.Task, Paths = { ready.Csv }, Origin = "default" }, ActorRefs.Nobody));
        Command<RunEnded>(OnRunEnded);
        Command<Phase>(p => _phase = p.Text);
        Command<GetTrainerStatus>(_ => Sender.Tell(Status()));
        Command<PromoteModel>(OnPromote);
        Command<ActorClock.Tick>(tick =>
        {
            if (_clock.IsCurrent(tick))
            {
                LookAtDatasets();
            }
        });
        Command<Poll>(_ => LookAtDatasets());
    }

    public override string PersistenceId => "trainer";

    public static Props Props(TrainerOptions options, ModelRegistry registry, NodeEngines engines, TimeProvider time, ILogger log) =>
        Akka.Actor.Props.Create(() => new Trainer(options, registry, engines, time, log));

    private string KnownTasks => string.Join(", ", _engines.LearningTasks.Select(t => t.Name));

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _clock.Dispose();
        base.PostStop();
    }

    private void OnFinishedRecorded(TrainingFinished finished)
    {
        _pending.RemoveAll(p => p.Request.Task == finished.Task && p.DatasetHash == finished.DatasetHash);
        _finished[(finished.Task, finished.DatasetHash)] = finished;
    }

    /// <summary>Hashes the dataset off the actor, then decides (<see cref="OnHashed"/>).</summary>
    private void HashThen(TrainModel train, IActorRef replyTo)
    {
        if (_engines.LearningTask(train.Task) is not { } learning)
        {
            replyTo.Tell(new TrainingAccepted { Task = train.Task, Error = $"unknown task '{train.Task}' (known: {KnownTasks})" });
            return;
        }

        var paths = train.Paths.ToList();
        Task.Run(async () =>
        {
            try
            {
                return new Hashed(train, await learning.HashAsync(Datasets.DataFiles(paths, learning.DataPatterns)), null, replyTo);
            }
            catch (Exception ex) when (ex is MediaException or IOException or UnauthorizedAccessException)
            {
                return new Hashed(train, null, ex.Message, replyTo);
            }
        }).PipeTo(Self);
    }

    private void OnHashed(Hashed hashed)
    {
        var task = hashed.Request.Task;
        if (hashed.Hash is not { } hash)
        {
            _log.LogWarning("Training {Task} ({Origin}) refused: {Reason}", task, hashed.Request.Origin, hashed.Error);
            hashed.ReplyTo.Tell(new TrainingAccepted { Task = task, Error = hashed.Error });
            return;
        }

        if (_finished.TryGetValue((task, hash), out var done))
        {
            hashed.ReplyTo.Tell(new TrainingAccepted { Task = task, DatasetHash = hash, AlreadyTrained = true, Version = done.Version, Error = done.Version == 0 ? done.Reason : string.Empty });
            return;
        }

        if (_pending.Any(p => p.Request.Task == task && p.DatasetHash == hash))
        {
            hashed.ReplyTo.Tell(new TrainingAccepted { Task = task, DatasetHash = hash });
            return;
        }

        Persist(new TrainingRequested { Request = hashed.Request, DatasetHash = hash }, requested =>
        {
            _pending.Add(requested);
            _log.LogInformation("Training {Task} queued: dataset {Hash} ({Origin})", task, hash, hashed.Request.Origin);
            hashed.ReplyTo.Tell(new TrainingAccepted { Task = task, DatasetHash = hash });
            RunNext();
        });
    }

    private void RunNext()
    {
        if (_running is not null || _pending.Count == 0)
        {
            return;
        }

        var run = _pending[0];
        _running = run;
        _phase = "starting";
        var self = Self;
        var progress = new Progress<string>(text => self.Tell(new Phase(text)));
        var stopping = _stopping.Token;
        Task.Run(() => TrainAsync(run, progress, stopping), stopping).PipeTo(Self, failure: ex => new RunEnded(run, new TrainingFinished
        {
            Task = run.Request.Task,
            DatasetHash = run.DatasetHash,
            Status = "failed",
            Reason = ex.Message,
        }, null));
    }

    private void OnRunEnded(RunEnded ended)
    {
        Persist(ended.Finished, finished =>
        {
            OnFinishedRecorded(finished);
            _running = null;
            _phase = "idle";
            if (finished.Version == 0)
            {
                _log.LogWarning("Training {Task} on dataset {Hash} failed: {Reason}", finished.Task, finished.DatasetHash, finished.Reason);
            }
            else
            {
                _log.LogInformation("Training {Task} on dataset {Hash}: v{Version} {Status} ({Reason})", finished.Task, finished.DatasetHash, finished.Version, finished.Status, finished.Reason);
            }

            if (finished.Status == ModelStatus.Promoted)
            {
                Publish(finished.Task, finished.Version);
            }

            RunNext();
        });
    }

    private void OnPromote(PromoteModel promote)
    {
        var replyTo = Sender;
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        _registry.PromoteAsync(promote.Task, promote.Version, "promoted by hand").ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully && t.Result)
            {
                _log.LogInformation("{Task} v{Version} promoted by hand", promote.Task, promote.Version);
                mediator.Tell(new Publish(Topic, new ModelPromoted { Task = promote.Task, Version = promote.Version }));
                replyTo.Tell(new PromoteModelResult());
            }
            else
            {
                replyTo.Tell(new PromoteModelResult { Error = t.Exception?.GetBaseException().Message ?? $"the registry has no {promote.Task} v{promote.Version}" });
            }
        }, TaskScheduler.Default);
    }

    private void Publish(string task, int version) =>
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(Topic, new ModelPromoted { Task = task, Version = version }));

    /// <summary>A classifier found no promoted model: train the default from generated data (once per task while this trainer lives).</summary>
    private void EnsureDefault(string task)
    {
        if (_engines.LearningTask(task) is not { } learning || !_defaultsAsked.Add(task))
        {
            return;
        }

        var self = Self;
        var cache = _options.CacheRoot;
        var mediator = DistributedPubSub.Get(Context.System).Mediator;
        var stopping = _stopping.Token;
        Task.Run(async () =>
        {
            if (await _registry.PromotedAsync(task) is { } promoted)
            {
                mediator.Tell(new Publish(Topic, new ModelPromoted { Task = task, Version = promoted.Version }));
                return;
            }

            _log.LogInformation("No {Task} model yet: training the default one from generated clips", task);
            self.Tell(new DefaultDatasetReady(task, await learning.DefaultDatasetAsync(cache, stopping)));
        }, stopping).ContinueWith(
            t => _log.LogWarning("The default {Task} dataset could not be made: {Reason}", task, t.Exception!.GetBaseException().Message),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
    }

    /// <summary>
    /// Each task's folder: when its CSV files have stayed the same (names, sizes, times) for two looks and differ from
    /// what was last handed on, the folder is handed to training (the dataset hash then says whether it is new).
    /// </summary>
    private void LookAtDatasets()
    {
        foreach (var learning in _engines.LearningTasks)
        {
            var task = learning.Name;
            var folder = Path.Combine(_options.DatasetsRoot, task);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            string signature;
            try
            {
                signature = string.Join('|', learning.DataPatterns.SelectMany(pattern => Directory.GetFiles(folder, pattern)).Order(StringComparer.Ordinal).Select(f =>
                {
                    var info = new FileInfo(f);
                    return string.Create(CultureInfo.InvariantCulture, $"{info.Name}:{info.Length}:{info.LastWriteTimeUtc.Ticks}");
                }));
            }
            catch (IOException)
            {
                continue;
            }

            var stable = _lastSeen.TryGetValue(task, out var before) && before == signature;
            _lastSeen[task] = signature;
            if (signature.Length > 0 && stable && (!_folderSignatures.TryGetValue(task, out var handed) || handed != signature))
            {
                _folderSignatures[task] = signature;
                HashThen(new TrainModel { Task = task, Paths = { folder }, Origin = "watch" }, ActorRefs.Nobody);
            }
        }
    }

    private TrainerStatus Status()
    {
        var status = new TrainerStatus
        {
            RunningTask = _running?.Request.Task ?? string.Empty,
            RunningDatasetHash = _running?.DatasetHash ?? string.Empty,
            Phase = _phase,
            Queued = Math.Max(0, _pending.Count - (_running is null ? 0 : 1)),
        };
        status.Recent.AddRange(_finished.Values.TakeLast(20));
        return status;
    }

    /// <summary>One run, off the actor: features, split, train, measure, register, promote or reject.</summary>
    private async Task<RunEnded> TrainAsync(TrainingRequested run, IProgress<string> progress, CancellationToken stopping)
    {
        var task = run.Request.Task;
        var finished = new TrainingFinished { Task = task, DatasetHash = run.DatasetHash };
        try
        {
            var files = Datasets.DataFiles(run.Request.Paths, _engines.LearningTask(task)!.DataPatterns);
            var learning = _engines.LearningTask(task)!;
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
                examples = await learning.ExamplesAsync(files, new Progress<double>(p => progress.Report($"features {p * 100:0}%")), stopping);
            }

            progress.Report("training");
            var result = Media.Learning.Training.Run(examples, config);
            var seconds = watch.Elapsed.TotalSeconds;
            progress.Report("evaluating");

            var current = await _registry.PromotedAsync(task);
            double? currentF1 = null;
            if (current is not null)
            {
                try
                {
                    var model = Classifier.Load(await _registry.ArtifactAsync(task, current.Version), $"{task} v{current.Version}");
                    currentF1 = model.FeatureCount == result.Classifier.FeatureCount
                        ? ClassifierMetrics.Of(model, result.TestSet, result.Test.Labels).MacroF1
                        : 0;
                }
                catch (MediaException)
                {
                    currentF1 = 0; // an unreadable promoted model is beaten by any that works
                }
            }

            var metrics = JsonSerializer.Serialize(new
            {
                examples = examples.Count,
                train_seconds = Math.Round(seconds, 3),
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

            var artifact = Path.Combine(_options.ModelsRoot, task, $"{run.DatasetHash}-{config.Trainer}.zip");
            Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
            await File.WriteAllBytesAsync(artifact, bytes);
            var version = await _registry.RegisterAsync(task, run.DatasetHash, JsonSerializer.Serialize(config), metrics, artifact, bytes, DateTimeOffset.UtcNow);
            finished.Version = version;
            var f1 = result.Test.MacroF1.ToString("0.000", CultureInfo.InvariantCulture);
            if (current is null || result.Test.MacroF1 > currentF1)
            {
                finished.Status = ModelStatus.Promoted;
                finished.Reason = current is null
                    ? $"the first {task} model: test macro-F1 {f1}"
                    : $"test macro-F1 {f1} beats v{current.Version}'s {currentF1:0.000} on the same split";
                await _registry.PromoteAsync(task, version, finished.Reason);
            }
            else
            {
                finished.Status = ModelStatus.Rejected;
                finished.Reason = $"test macro-F1 {f1} does not beat v{current.Version}'s {currentF1:0.000} on the same split";
                await _registry.RejectAsync(task, version, finished.Reason);
            }
        }
        catch (Exception ex) when (ex is MediaException or IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or JsonException)
        {
            finished.Version = 0;
            finished.Status = "failed";
            finished.Reason = ex.Message;
        }

        return new RunEnded(run, finished, null);
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
    private async Task<RunEnded> RegisterCachedDefaultAsync(TrainingRequested run, ClassifierConfig config, string cached, TrainingFinished finished)
    {
        var task = run.Request.Task;
        var bytes = await File.ReadAllBytesAsync(cached + ".zip");
        var metrics = await File.ReadAllTextAsync(cached + ".json");
        Classifier.Load(bytes, $"the cached default {task} model"); // refuse a damaged cache here, not in the classifiers
        using var document = JsonDocument.Parse(metrics);
        var f1 = document.RootElement.GetProperty("test").GetProperty("macro_f1").GetDouble();
        var artifact = Path.Combine(_options.ModelsRoot, task, $"{run.DatasetHash}-{config.Trainer}.zip");
        Directory.CreateDirectory(Path.GetDirectoryName(artifact)!);
        await File.WriteAllBytesAsync(artifact, bytes);
        finished.Version = await _registry.RegisterAsync(task, run.DatasetHash, JsonSerializer.Serialize(config), metrics, artifact, bytes, DateTimeOffset.UtcNow);
        finished.Status = ModelStatus.Promoted;
        finished.Reason = string.Create(CultureInfo.InvariantCulture, $"the first {task} model: test macro-F1 {f1:0.000} (the default, trained on this machine before)");
        await _registry.PromoteAsync(task, finished.Version, finished.Reason);
        return new RunEnded(run, finished, null);
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

    private sealed record Hashed(TrainModel Request, string? Hash, string? Error, IActorRef ReplyTo);

    private sealed record RunEnded(TrainingRequested Run, TrainingFinished Finished, string? Error);

    private sealed record Phase(string Text);

    private sealed record DefaultDatasetReady(string Task, string Csv);

    private sealed record Poll
    {
        public static Poll Instance { get; } = new();
    }
}
