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
/// <see cref="ClassifyScene"/> has its frames decoded, its camera-movement features measured and the promoted
/// <c>shot-movement</c> model's label given, <see cref="Slots"/> at a time off the actor. The model is read from the
/// registry at start and again whenever the trainer publishes a promotion, so later scenes carry the new version with no
/// restart. With no promoted model yet, it asks the trainer for the default one and holds requests until it comes.
/// </summary>
public sealed class SceneClassifiers : ReceiveActor
{
    public const string Name = "scene-classifiers";

    private const string Task = ShotDatasets.MovementTask;

    private readonly ModelRegistry _registry;
    private readonly IActorRef _trainer;
    private readonly ILogger _log;
    private readonly int _slots;
    private readonly Queue<(ClassifyScene Request, IActorRef ReplyTo)> _waiting = new();
    private readonly string _node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
    private (Classifier Model, int Version)? _model;
    private int _busy;
    private bool _loading;
    private bool _loadAgain;

    public SceneClassifiers(ModelRegistry registry, IActorRef trainer, int slots, ILogger log)
    {
        _registry = registry;
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
            if (promoted.Task == Task && _model?.Version != promoted.Version)
            {
                Load();
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

    /// <summary>Scenes classified at once on this node.</summary>
    public int Slots => _slots;

    public static Props Props(ModelRegistry registry, IActorRef trainer, int slots, ILogger log) =>
        Akka.Actor.Props.Create(() => new SceneClassifiers(registry, trainer, slots, log));

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Trainer.Topic, Self));
        Load();
    }

    private void Load()
    {
        if (_loading)
        {
            _loadAgain = true; // a promotion while a load runs: read the registry again after it
            return;
        }

        _loading = true;
        LoadAsync().PipeTo(Self, failure: ex => new Loaded(null, 0, ex.GetBaseException().Message));
    }

    private async Task<Loaded> LoadAsync()
    {
        if (await _registry.PromotedAsync(Task).ConfigureAwait(false) is not { } promoted)
        {
            return new Loaded(null, 0, null);
        }

        var bytes = await _registry.ArtifactAsync(Task, promoted.Version).ConfigureAwait(false);
        return new Loaded(Classifier.Load(bytes, $"{Task} v{promoted.Version}"), promoted.Version, null);
    }

    private void OnLoaded(Loaded loaded)
    {
        _loading = false;
        if (_loadAgain)
        {
            _loadAgain = false;
            Load();
        }
        if (loaded.Model is null)
        {
            if (loaded.Error is not null)
            {
                _log.LogWarning("The {Task} model could not be loaded: {Reason}", Task, loaded.Error);
            }

            // None promoted (or unreadable): the trainer makes the default; its promotion brings it here.
            _trainer.Tell(new EnsureDefaultModel { Task = Task });
            return;
        }

        if (_model?.Version != loaded.Version)
        {
            _log.LogInformation("Scene classifier uses {Task} v{Version}", Task, loaded.Version);
        }

        _model = (loaded.Model, loaded.Version);
        Dispatch();
    }

    private void Dispatch()
    {
        while (_model is { } model && _busy < _slots && _waiting.TryDequeue(out var next))
        {
            _busy++;
            var (request, replyTo) = next;
            ClassifyAsync(request, model.Model, model.Version).PipeTo(
                Self,
                success: answer => new Done(answer, replyTo),
                failure: ex => new Done(new SceneClassificationFailed { JobId = request.JobId, Index = request.Scene.Index, Reason = ex.GetBaseException().Message }, replyTo));
        }
    }

    private async Task<object> ClassifyAsync(ClassifyScene request, Classifier model, int version)
    {
        try
        {
            var times = request.Scene.FrameSeconds.Select(TimeSpan.FromSeconds).ToList();
            var features = await SceneFinder.MovementFeaturesAsync(request.InputPath, times).ConfigureAwait(false);
            var prediction = model.Predict(features);
            var classified = new SceneClassified { JobId = request.JobId, Index = request.Scene.Index, Node = _node };
            classified.Labels.Add(new Messages.Jobs.SceneLabel { Task = Task, Label = prediction.Label, Confidence = prediction.Confidence, ModelVersion = version });
            return classified;
        }
        catch (MediaException ex)
        {
            return new SceneClassificationFailed { JobId = request.JobId, Index = request.Scene.Index, Reason = ex.Message };
        }
    }

    private sealed record Loaded(Classifier? Model, int Version, string? Error);

    private sealed record Done(object Answer, IActorRef ReplyTo);
}
