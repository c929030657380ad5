using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Persistence;
using MediaCluster.Actors.Hosting;
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
/// <param name="NetworkTrainer">The command that starts a training process over a run's folder (null: networks cannot be trained here).</param>
public sealed record TrainerOptions(string DatasetsRoot, string ModelsRoot, string CacheRoot, TimeSpan Poll, IReadOnlyList<string>? NetworkTrainer = null)
{
    /// <summary>Where neural runs keep their data and checkpoints: beside the datasets (shared by the jobs nodes that may host the trainer).</summary>
    public string RunsRoot => Path.Combine(DatasetsRoot, ".runs");
}

/// <summary>
/// The trainer, a persistent cluster singleton: one run at a time, each on a dataset (its content hash is its version)
/// from a watched folder, an API/pbm request, or the generated default when a task has no model. A run extracts the
/// features, splits (stratified, seeded), trains with the task's config, measures on validation and test, registers the
/// version, and promotes it when its test macro-F1 beats the promoted version's on the same test split (or there is
/// none); a promotion is published on the cluster's <see cref="Topic"/>. The journal holds what was asked and what
/// ended, so a run cut off by a crash or a hand-over is redone, and the same data is never trained twice.
/// </summary>
public sealed partial class Trainer : ReceivePersistentActor
{
    /// <summary>The distributed pub-sub topic of <see cref="ModelPromoted"/>.</summary>
    public const string Topic = "models";

    private readonly TrainerOptions _options;
    private readonly int _maxCrashes;
    private readonly ModelRegistry _registry;
    private readonly NodeEngines _engines;
    private readonly TrainingRuns _runs;
    private readonly TaskCatalog _catalog;
    private readonly ActorClock _clock;
    private readonly ILogger _log;
    private readonly Dictionary<(string Task, string Hash), TrainingFinished> _finished = [];
    private readonly List<TrainingRequested> _pending = [];
    private readonly Ingest.SettleWatch _datasets = new(looks: 1);
    private readonly HashSet<string> _defaultsAsked = [];

    // Runs begun and not ended, by dataset: each is an incarnation that stopped mid-run (a crash, or a hand-over).
    private readonly Dictionary<(string Task, string Hash), int> _starts = [];

    // Cancelled when the trainer stops (its node shuts down, or the singleton moves): a run in progress then stops
    // before it writes anything, and is redone by the next incarnation (its TrainingRequested has no TrainingFinished).
    private readonly CancellationTokenSource _stopping = new();
    private TrainingRequested? _running;

    // The running run's own cancellation (linked to _stopping): cancelled by CancelTraining while the trainer lives.
    private CancellationTokenSource? _cancelRun;
    private TrainerProgress _phase = new(TrainerPhase.Idle);

    public Trainer(TrainerOptions options, ModelRegistry registry, NodeEngines engines, TimeProvider time, ILogger log, int maxCrashes = 3)
    {
        _maxCrashes = maxCrashes;
        _options = options;
        _registry = registry;
        _engines = engines;
        _log = log;
        _catalog = new TaskCatalog(engines, registry);
        _runs = new TrainingRuns(options, registry, engines, _catalog, log);
        _clock = new ActorClock(time, Self);
        Recover<TrainingRequested>(r => _pending.Add(r));
        Recover<TrainingFinished>(OnFinishedRecorded);
        Recover<TrainingStarted>(started => _starts[(started.Task, started.DatasetHash)] = _starts.GetValueOrDefault((started.Task, started.DatasetHash)) + 1);
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
        Command<TrainerProgress>(p => _phase = p);
        Command<GetTrainerStatus>(_ => Sender.Tell(Status()));
        Command<PromoteModel>(OnPromote);
        Command<CancelTraining>(OnCancel);
        Command<ActorClock.Tick>(tick =>
        {
            if (_clock.IsCurrent(tick))
            {
                ListWatched();
            }
        });
        Command<Poll>(_ => ListWatched());
        Command<Watched>(watched => LookAtDatasets(watched.Tasks));
    }

    public override string PersistenceId => "trainer";

    public static Props Props(TrainerOptions options, ModelRegistry registry, NodeEngines engines, TimeProvider time, ILogger log, int maxCrashes = 3) =>
        Akka.Actor.Props.Create(() => new Trainer(options, registry, engines, time, log, maxCrashes));

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
        _starts.Remove((finished.Task, finished.DatasetHash));
        _finished[(finished.Task, finished.DatasetHash)] = finished;
    }

    /// <summary>Hashes the dataset off the actor, then decides (<see cref="OnHashed"/>).</summary>
    private void HashThen(TrainModel train, IActorRef replyTo)
    {
        var paths = train.Paths.ToList();
        var catalog = _catalog;
        Task.Run(async () =>
        {
            try
            {
                if (await catalog.FindAsync(train.Task) is not { } learning)
                {
                    return new Hashed(train, null, $"unknown task '{train.Task}' (known: {string.Join(", ", await catalog.NamesAsync())})", replyTo);
                }

                return new Hashed(train, await learning.HashAsync(Datasets.DataFiles(paths, learning.DataPatterns)), null, replyTo);
            }
            catch (Exception ex) when (ex is MediaException or IOException or UnauthorizedAccessException or System.Data.Common.DbException)
            {
                return new Hashed(train, null, ex.Message, replyTo);
            }
        }).PipeTo(Self, failure: ex => new Hashed(train, null, $"the dataset could not be read: {ex.GetBaseException().Message}", replyTo));
    }

    private void OnHashed(Hashed hashed)
    {
        var task = hashed.Request.Task;
        if (hashed.Hash is not { } hash)
        {
            _log.LogWarning("Training {Task} ({Origin}) refused: {Reason}", task, hashed.Request.Origin, hashed.Error);
            hashed.ReplyTo.Tell(new TrainingAccepted { Task = task, Error = hashed.Error });
            DatasetUploads.Delete(_options.DatasetsRoot, _log, hashed.Request);
            return;
        }

        if (_finished.TryGetValue((task, hash), out var done) && done.Outcome != ModelStatus.Cancelled)
        {
            hashed.ReplyTo.Tell(new TrainingAccepted { Task = task, DatasetHash = hash, AlreadyTrained = true, Version = done.Version, Error = done.Version == 0 ? done.Reason : string.Empty });
            DatasetUploads.Delete(_options.DatasetsRoot, _log, hashed.Request);
            return;
        }

        if (_pending.Any(p => p.Request.Task == task && p.DatasetHash == hash))
        {
            hashed.ReplyTo.Tell(new TrainingAccepted { Task = task, DatasetHash = hash });
            DatasetUploads.Delete(_options.DatasetsRoot, _log, hashed.Request); // the queued run reads its own copy
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
        var key = (run.Request.Task, run.DatasetHash);
        if (_starts.GetValueOrDefault(key) is var starts && starts >= _maxCrashes)
        {
            // Each run of this dataset so far ended its trainer: it is not begun once more.
            _log.LogWarning("Training {Task} on dataset {Hash} quarantined: {Starts} runs of it stopped their trainer", key.Task, key.DatasetHash, starts);
            OnRunEnded(new RunEnded(run, new TrainingFinished
            {
                Task = key.Task,
                DatasetHash = key.DatasetHash,
                Status = "failed",
                Reason = $"quarantined: it stopped {starts} trainers while training (this dataset is not trained again; fix it and give the new version)",
            }, null));
            return;
        }

        Persist(new TrainingStarted { Task = key.Task, DatasetHash = key.DatasetHash }, started =>
        {
            _starts[key] = starts + 1;
            Start(run);
        });
    }

    private void Start(TrainingRequested run)
    {
        _phase = new(TrainerPhase.Starting);
        var self = Self;
        var progress = new Progress<TrainerProgress>(p => self.Tell(p));
        _cancelRun = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var stopping = _cancelRun.Token;
        Task.Run(async () => new RunEnded(run, await _runs.RunAsync(run, progress, stopping), null), stopping).PipeTo(Self, failure: ex => new RunEnded(run, new TrainingFinished
        {
            Task = run.Request.Task,
            DatasetHash = run.DatasetHash,
            Outcome = ModelStatus.Failed,
            Reason = ex.Message,
        }, null));
    }

    private void OnRunEnded(RunEnded ended)
    {
        if (_cancelRun is { IsCancellationRequested: true } && ended.Finished.Version == 0 && ended.Run == _running)
        {
            // However the run stopped once cancelled (the process killed, the fit stopped), it ended by request.
            ended.Finished.Outcome = ModelStatus.Cancelled;
            ended.Finished.Reason = "cancelled by request";
        }

        Persist(ended.Finished, finished =>
        {
            OnFinishedRecorded(finished);
            if (ended.Run == _running)
            {
                _running = null;
                _cancelRun?.Dispose();
                _cancelRun = null;
            }

            _phase = new(TrainerPhase.Idle);
            if (finished.Outcome == ModelStatus.Cancelled)
            {
                _log.LogInformation("Training {Task} on dataset {Hash} cancelled by request", finished.Task, finished.DatasetHash);
                NetworkTraining.DeleteRuns(_options, finished.Task, finished.DatasetHash, _log);
            }
            else if (finished.Version == 0)
            {
                _log.LogWarning("Training {Task} on dataset {Hash} failed: {Reason}", finished.Task, finished.DatasetHash, finished.Reason);
            }
            else
            {
                _log.LogInformation("Training {Task} on dataset {Hash}: v{Version} {Status} ({Reason})", finished.Task, finished.DatasetHash, finished.Version, finished.Status, finished.Reason);
            }

            if (finished.Outcome == ModelStatus.Promoted)
            {
                Publish(finished.Task, finished.Version);
            }

            // The run's end is recorded, so it is never redone: an uploaded dataset has served its purpose.
            DatasetUploads.Delete(_options.DatasetsRoot, _log, ended.Run.Request);
            RunNext();
        });
    }

    private void Publish(string task, int version) =>
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(Topic, new ModelPromoted { Task = task, Version = version }));

    private sealed record Hashed(TrainModel Request, string? Hash, string? Error, IActorRef ReplyTo);

    private sealed record RunEnded(TrainingRequested Run, TrainingFinished Finished, string? Error);


    private sealed record DefaultDatasetReady(string Task, string Csv);

    private sealed record Poll
    {
        public static Poll Instance { get; } = new();
    }
}
