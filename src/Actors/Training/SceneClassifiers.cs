using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using MediaCluster.Media;
using MediaCluster.Media.Learning;
using MediaCluster.Media.Video;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Training;

/// <summary>
/// The scene classifiers of a gpu node (<c>/user/scene-classifiers</c>, reached by jobs through a cluster router): each
/// <see cref="ClassifyScene"/> has its frames decoded once, then every task's features measured (camera motion; the
/// ResNet-18 embedding) and its promoted model's label given, <see cref="SceneClassifiers"/> slots at a time off the
/// actor. Each task's model is read from the registry at start and again whenever the trainer publishes a promotion,
/// so later scenes carry the new version with no restart. A task with no promoted model yet has the trainer make its
/// default; requests wait until every task has one.
/// </summary>
public sealed class SceneClassifiers : ReceiveActor
{
    public const string Name = "scene-classifiers";

    private readonly ModelRegistry _registry;
    private readonly NodeEngines _engines;
    private readonly IActorRef _trainer;
    private readonly ILogger _log;
    private readonly int _slots;
    private readonly Queue<(ClassifyScene Request, IActorRef ReplyTo)> _waiting = new();
    private readonly string _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
    private readonly Dictionary<string, (Classifier Model, int Version)> _models = [];
    private readonly HashSet<string> _loading = [];
    private readonly HashSet<string> _loadAgain = [];
    private int _busy;

    public SceneClassifiers(ModelRegistry registry, NodeEngines engines, IActorRef trainer, int slots, ILogger log)
    {
        _registry = registry;
        _engines = engines;
        _trainer = trainer;
        _slots = slots;
        _log = log;
        Receive<ClassifyScene>(request =>
        {
            _waiting.Enqueue((request, Sender));
            Dispatch();
        });
        Receive<ModelPromoted>(promoted =>
        {
            if (_engines.ShotTask(promoted.Task) is not null && (!_models.TryGetValue(promoted.Task, out var current) || current.Version != promoted.Version))
            {
                Load(promoted.Task);
            }
        });
        Receive<SubscribeAck>(_ => { });
        Receive<Loaded>(OnLoaded);
        Receive<Done>(done =>
        {
            _busy--;
            done.ReplyTo.Tell(done.Answer);
            Dispatch();
        });
    }

    public static Props Props(ModelRegistry registry, NodeEngines engines, IActorRef trainer, int slots, ILogger log) =>
        Akka.Actor.Props.Create(() => new SceneClassifiers(registry, engines, trainer, slots, log));

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Trainer.Topic, Self));
        foreach (var task in _engines.ShotTasks)
        {
            Load(task.Name);
        }
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
        if (await _registry.PromotedAsync(task).ConfigureAwait(false) is not { } promoted)
        {
            return new Loaded(task, null, 0, null);
        }

        var bytes = await _registry.ArtifactAsync(task, promoted.Version).ConfigureAwait(false);
        return new Loaded(task, Classifier.Load(bytes, $"{task} v{promoted.Version}"), promoted.Version, null);
    }

    private void OnLoaded(Loaded loaded)
    {
        _loading.Remove(loaded.Task);
        if (_loadAgain.Remove(loaded.Task))
        {
            Load(loaded.Task);
        }

        if (loaded.Model is null)
        {
            if (loaded.Error is not null)
            {
                _log.LogWarning("The {Task} model could not be loaded: {Reason}", loaded.Task, loaded.Error);
            }

            // None promoted (or unreadable): the trainer makes the default; its promotion brings it here.
            _trainer.Tell(new EnsureDefaultModel { Task = loaded.Task });
            return;
        }

        if (!_models.TryGetValue(loaded.Task, out var current) || current.Version != loaded.Version)
        {
            _log.LogInformation("Scene classifier uses {Task} v{Version}", loaded.Task, loaded.Version);
        }

        _models[loaded.Task] = (loaded.Model, loaded.Version);
        Dispatch();
    }

    private void Dispatch()
    {
        while (_models.Count == _engines.ShotTasks.Count && _busy < _slots && _waiting.TryDequeue(out var next))
        {
            _busy++;
            var (request, replyTo) = next;
            var models = _engines.ShotTasks.Select(t => (t, _models[t.Name].Model, _models[t.Name].Version)).ToList();
            ClassifyAsync(request, models).PipeTo(
                Self,
                success: answer => new Done(answer, replyTo),
                failure: ex => new Done(new SceneClassificationFailed { JobId = request.JobId, Index = request.Scene.Index, Reason = ex.GetBaseException().Message }, replyTo));
        }
    }

    private async Task<object> ClassifyAsync(ClassifyScene request, IReadOnlyList<(ShotTask Task, Classifier Model, int Version)> models)
    {
        try
        {
            using var lease = _engines.Use();
            var frames = await SceneFinder.SceneFramesAsync(request.InputPath, [.. request.Scene.FrameSeconds.Select(TimeSpan.FromSeconds)]).ConfigureAwait(false);
            var classified = new SceneClassified { JobId = request.JobId, Index = request.Scene.Index, Node = _node };
            foreach (var (task, model, version) in models)
            {
                var prediction = model.Predict(task.SceneFeatures(frames));
                classified.Labels.Add(new Messages.Jobs.SceneLabel { Task = task.Name, Label = prediction.Label, Confidence = prediction.Confidence, ModelVersion = version });
            }

            return classified;
        }
        catch (MediaException ex)
        {
            return new SceneClassificationFailed { JobId = request.JobId, Index = request.Scene.Index, Reason = ex.Message };
        }
    }

    private sealed record Loaded(string Task, Classifier? Model, int Version, string? Error);

    private sealed record Done(object Answer, IActorRef ReplyTo);
}
