using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Training;
using MediaCluster.Media;
using MediaCluster.Media.Learning;
using MediaCluster.Media.Video;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Classification;

/// <summary>
/// The classifiers of a gpu node (<c>/user/classifiers</c>, reached by jobs through a cluster router), serving every
/// task's promoted model. A <see cref="ClassifyScene"/> has its frames read from the job's store (kept by the job's one
/// pass over the video), then each scene task's features
/// measured (camera motion; the ResNet-18 embedding) and labelled, and so by the promoted model of each clip task users
/// defined that the job chose (<see cref="ClipTaskChoice"/>: by default every one); a <see cref="ClassifyText"/> has each text labelled
/// by the text model a user trained, or by VADER while there is none. <c>Slots</c> requests run at once, off the actor. Each model is read from the registry at start and
/// again whenever the trainer publishes a promotion, so later requests carry the new version with no restart. A task
/// with no promoted model yet has the trainer make its default; requests wait until the models they need are there,
/// and the trainer is asked again every <see cref="AskAgainEvery"/> while they wait (the trainer singleton may have
/// moved to another node since, its first ask lost with the node that died while making the dataset; a trainer
/// ignores a task's ask while it already makes that default).
/// </summary>
public sealed class Classifiers : ReceiveActor
{
    public const string Name = "classifiers";

    /// <summary>How often the trainer is asked again for a default model that waiting requests still need.</summary>
    public static readonly TimeSpan AskAgainEvery = TimeSpan.FromSeconds(15);

    private const string AskAgain = "ask-again";

    private readonly ModelRegistry _registry;
    private readonly NodeEngines _engines;
    private readonly IActorRef _trainer;
    private readonly ILogger _log;
    private readonly int _slots;
    private readonly Queue<(ClassifyScene Request, IActorRef ReplyTo)> _scenes = new();
    private readonly Queue<(ClassifyText Request, IActorRef ReplyTo)> _texts = new();
    private readonly string _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
    private readonly Dictionary<string, (Classifier Model, int Version)> _models = [];
    private readonly TaskCatalog _catalog;

    // Clip tasks users defined, with their promoted models; scenes wait until the registry's list of them was read.
    private readonly Dictionary<string, (ClipTask Task, Classifier Model, int Version)> _clips = [];
    private bool _clipTasksListed;
    private readonly HashSet<string> _loading = [];
    private readonly HashSet<string> _loadAgain = [];
    private readonly HashSet<string> _missing = [];
    private readonly HashSet<string> _defaultsAsked = [];
    private readonly ActorClock _clock;
    private int _busy;

    public Classifiers(ModelRegistry registry, NodeEngines engines, IActorRef trainer, int slots, ILogger log, TimeProvider time)
    {
        _clock = new ActorClock(time, Self);
        _registry = registry;
        _engines = engines;
        _catalog = new TaskCatalog(engines, registry);
        _trainer = trainer;
        _slots = slots;
        _log = log;
        Receive<ClassifyScene>(request =>
        {
            _scenes.Enqueue((request, Sender));
            Dispatch();
        });
        Receive<ClassifyText>(request =>
        {
            _texts.Enqueue((request, Sender));
            Dispatch();
        });
        Receive<ModelPromoted>(promoted =>
        {
            if (_engines.LearningTask(promoted.Task) is not null
                ? !_models.TryGetValue(promoted.Task, out var current) || current.Version != promoted.Version
                : !_clips.TryGetValue(promoted.Task, out var clip) || clip.Version != promoted.Version)
            {
                Load(promoted.Task); // a task defined by a user: kept when it is a clip task
            }
        });
        Receive<SubscribeAck>(_ => { });
        Receive<ActorClock.Tick>(tick =>
        {
            if (!_clock.IsCurrent(tick))
            {
                return;
            }

            _defaultsAsked.Clear();
            Dispatch();
            if (_defaultsAsked.Count == 0)
            {
                _clock.Cancel(AskAgain); // nothing waits for a missing model any more
            }
        });
        Receive<Loaded>(OnLoaded);
        Receive<ClipTasksListed>(listed =>
        {
            _clipTasksListed = true;
            if (listed.Error is not null)
            {
                _log.LogWarning("The clip tasks users defined could not be listed; scenes are labelled without them until one is promoted: {Reason}", listed.Error);
            }

            foreach (var task in listed.Names)
            {
                Load(task);
            }

            Dispatch();
        });
        Receive<Done>(done =>
        {
            _busy--;
            done.ReplyTo.Tell(done.Answer);
            Dispatch();
        });
    }

    public static Props Props(ModelRegistry registry, NodeEngines engines, IActorRef trainer, int slots, ILogger log, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new Classifiers(registry, engines, trainer, slots, log, time));

    protected override void PostStop() => _clock.Dispose();

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Trainer.Topic, Self));
        foreach (var task in _engines.LearningTasks)
        {
            Load(task.Name);
        }

        _registry.TasksAsync().PipeTo(
            Self,
            success: tasks => new ClipTasksListed([.. tasks.Where(t => t.Kind == ClipTask.Kind).Select(t => t.Name)], null),
            failure: ex => new ClipTasksListed([], ex.GetBaseException().Message));
    }

    private void Load(string task)
    {
        if (!_loading.Add(task))
        {
            _loadAgain.Add(task); // a promotion while a load runs: read the registry again after it
            return;
        }

        LoadAsync(task).PipeTo(Self, failure: ex => new Loaded(task, null, 0, ex.GetBaseException().Message));
    }

    private async Task<Loaded> LoadAsync(string task)
    {
        ClipTask? clip = null;
        if (_engines.LearningTask(task) is null && (clip = await _catalog.FindAsync(task).ConfigureAwait(false) as ClipTask) is null)
        {
            return new Loaded(task, null, 0, null, NotForScenes: true);
        }

        if (await _registry.PromotedAsync(task).ConfigureAwait(false) is not { } promoted)
        {
            return new Loaded(task, null, 0, null, clip);
        }

        var bytes = await _registry.ArtifactAsync(task, promoted.Version).ConfigureAwait(false);
        return new Loaded(task, Classifier.Load(bytes, $"{task} v{promoted.Version}"), promoted.Version, null, clip);
    }

    private void OnLoaded(Loaded loaded)
    {
        _loading.Remove(loaded.Task);
        if (_loadAgain.Remove(loaded.Task))
        {
            Load(loaded.Task);
        }

        if (loaded.NotForScenes)
        {
            Dispatch();
            return;
        }

        if (loaded.Clip is not null || (loaded.Model is null && _engines.LearningTask(loaded.Task) is null))
        {
            OnClipLoaded(loaded);
            return;
        }

        if (loaded.Model is null)
        {
            if (loaded.Error is not null)
            {
                _log.LogWarning("The {Task} model could not be loaded: {Reason}", loaded.Task, loaded.Error);
            }

            // None promoted (or unreadable): once a request needs it, the trainer makes the default; its promotion brings it here.
            _missing.Add(loaded.Task);
            Dispatch();
            return;
        }

        _missing.Remove(loaded.Task);
        if (!_models.TryGetValue(loaded.Task, out var current) || current.Version != loaded.Version)
        {
            _log.LogInformation("Classifier uses {Task} v{Version}", loaded.Task, loaded.Version);
        }

        _models[loaded.Task] = (loaded.Model, loaded.Version);
        Dispatch();
    }

    /// <summary>A clip task's promoted model is kept (or dropped: none promoted, or it could not be read).</summary>
    private void OnClipLoaded(Loaded loaded)
    {
        if (loaded is { Model: { } model, Clip: { } clip })
        {
            if (!_clips.TryGetValue(loaded.Task, out var current) || current.Version != loaded.Version)
            {
                _log.LogInformation("Classifier uses clip task {Task} v{Version}", loaded.Task, loaded.Version);
            }

            _clips[loaded.Task] = (clip, model, loaded.Version);
        }
        else
        {
            if (loaded.Error is not null)
            {
                _log.LogWarning("The {Task} model could not be loaded: {Reason}", loaded.Task, loaded.Error);
            }

            _clips.Remove(loaded.Task);
        }

        Dispatch();
    }

    private void Dispatch()
    {
        // Scenes wait for the built-in models, and for the clip tasks' models being read (so a job's choice finds them).
        var scenesReady = _engines.ShotTasks.All(t => _models.ContainsKey(t.Name)) && _clipTasksListed && !_loading.Any(t => _engines.LearningTask(t) is null);
        AskForDefaults(_scenes.Count > 0 ? _engines.ShotTasks.Select(t => t.Name) : []);
        while (_busy < _slots)
        {
            if (scenesReady && _scenes.TryDequeue(out var scene))
            {
                IReadOnlyList<(ShotTask, Classifier, int)> models =
                [
                    .. _engines.ShotTasks.Select(t => ((ShotTask)t, _models[t.Name].Model, _models[t.Name].Version)),
                    .. ChosenClips(scene.Request.ClipTasks).Select(c => ((ShotTask)c.Task, c.Model, c.Version)),
                ];
                Run(Task.Run(() => LabelScene(scene.Request, models)), scene.ReplyTo,
                    reason => new SceneClassificationFailed { JobId = scene.Request.JobId, Index = scene.Request.Scene.Index, Reason = reason });
            }
            else if (_texts.TryDequeue(out var text))
            {
                // A text model a user trained, else VADER (a validated lexicon model: no text model is made by default).
                (Classifier Model, int Version)? trained = _models.TryGetValue(TextTask.TaskName, out var model) ? model : null;
                Run(Task.Run(() => ClassifyText(text.Request, trained)), text.ReplyTo, reason => new TextClassified { JobId = text.Request.JobId, Batch = text.Request.Batch, Error = reason });
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>
    /// Asks the trainer for the default model of each of <paramref name="tasks"/> that waiting requests need and the
    /// registry lacks: once, then again every <see cref="AskAgainEvery"/> while they still wait.
    /// </summary>
    private void AskForDefaults(IEnumerable<string> tasks)
    {
        foreach (var task in tasks)
        {
            if (_missing.Contains(task) && _defaultsAsked.Add(task))
            {
                _trainer.Tell(new EnsureDefaultModel { Task = task });
                if (!_clock.IsActive(AskAgain))
                {
                    _clock.StartPeriodic(AskAgain, AskAgain, AskAgainEvery);
                }
            }
        }
    }

    private void Run(Task<object> work, IActorRef replyTo, Func<string, object> failed)
    {
        _busy++;
        work.PipeTo(Self, success: answer => new Done(answer, replyTo), failure: ex => new Done(failed(ex.GetBaseException().Message), replyTo));
    }

    /// <summary>The clip tasks a job chose that have a promoted model here (every one when it chose none in particular), by name.</summary>
    private IEnumerable<(ClipTask Task, Classifier Model, int Version)> ChosenClips(ClipTaskChoice? choice) =>
        (choice is null ? _clips.Keys : choice.Names.Where(_clips.ContainsKey)).Distinct().Order(StringComparer.Ordinal).Select(name => _clips[name]);

    private object LabelScene(ClassifyScene request, IReadOnlyList<(ShotTask Task, Classifier Model, int Version)> models)
    {
        var started = DateTimeOffset.UtcNow;
        try
        {
            using var lease = _engines.Use();
            var frames = SceneFrameStore.Read(request.FramesPath, [.. request.Scene.FrameSeconds.Select(TimeSpan.FromSeconds)]);
            var classified = new SceneClassified { JobId = request.JobId, Index = request.Scene.Index, Node = _node };
            float[]? clipFeatures = null; // the same for every clip task: measured once
            foreach (var (task, model, version) in models)
            {
                var features = task is ClipTask ? clipFeatures ??= task.SceneFeatures(frames) : task.SceneFeatures(frames);
                if (task is ClipTask && features.Length != model.FeatureCount)
                {
                    // A user's model from a release that measured clips otherwise: its task is left out, the scene labelled.
                    _log.LogWarning("Clip task {Task} v{Version} takes {Expected} features, a scene gives {Actual}: left out (train it again)", task.Name, version, model.FeatureCount, features.Length);
                    continue;
                }

                classified.Labels.Add(Label(task.Name, model.Predict(features), version));
            }

            var ended = DateTimeOffset.UtcNow;
            classified.WorkSeconds = (ended - started).TotalSeconds;
            Telemetry.Record("scene.classify", request.TraceParent, started, ended, ("mediacluster.job_id", request.JobId), ("mediacluster.scene", request.Scene.Index), ("mediacluster.node", _node));
            return classified;
        }
        catch (MediaException ex)
        {
            return new SceneClassificationFailed { JobId = request.JobId, Index = request.Scene.Index, Reason = ex.Message };
        }
    }

    private object ClassifyText(ClassifyText request, (Classifier Model, int Version)? trained)
    {
        var classified = new TextClassified { JobId = request.JobId, Batch = request.Batch, Node = _node };
        IReadOnlyList<float[]>? embeddings;
        try
        {
            // Each text's MiniLM embedding: the job's summary ranks by them, a trained text model labels from them.
            embeddings = [.. request.Texts.Select(TextTask.Features)];
            classified.Embeddings.AddRange(embeddings.Select(TextEmbeddings.Write));
        }
        catch (MediaException ex)
        {
            _log.LogWarning("Texts of job {Job} not embedded (its summary falls back to TextRank, VADER labels): {Reason}", request.JobId, ex.Message);
            embeddings = null;
        }

        // A text model trained by an earlier release on hashed words (2048 features) cannot read MiniLM's: VADER labels
        // until the text task is trained again.
        classified.Labels.AddRange(request.Texts.Select((text, i) => trained is var (model, version) && model.FeatureCount == SentenceEmbedder.Dimensions && embeddings is not null
            ? Label(TextTask.TaskName, model.Predict(embeddings[i]), version)
            : Label(Vader.TaskName, Vader.Default.Label(text), 0)));
        return classified;
    }

    private static Messages.Jobs.SceneLabel Label(string task, Prediction prediction, int version) =>
        new() { Task = task, Label = prediction.Label, Confidence = prediction.Confidence, ModelVersion = version };

    private sealed record Loaded(string Task, Classifier? Model, int Version, string? Error, ClipTask? Clip = null, bool NotForScenes = false);

    private sealed record ClipTasksListed(IReadOnlyList<string> Names, string? Error);

    private sealed record Done(object Answer, IActorRef ReplyTo);
}
