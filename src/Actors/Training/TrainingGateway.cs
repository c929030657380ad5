using Akka.Actor;
using Akka.Hosting;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Training;

/// <summary>The way in to the cluster's trainer (a singleton) for a host: train, cancel, promote, and what it is doing.</summary>
public sealed class TrainingGateway(IReadOnlyActorRegistry registry, MediaNodeOptions options)
{
    private readonly IActorRef _trainer = registry.Get<TrainerKey>();
    private readonly TimeSpan _askTimeout = options.AskTimeout;

    /// <summary>Asks the trainer to train <paramref name="task"/> on the data at <paramref name="paths"/> (paths the jobs nodes can read).</summary>
    public Task<TrainingAccepted> TrainAsync(string task, IEnumerable<string> paths, string origin, CancellationToken cancellationToken = default) =>
        _trainer.Ask<TrainingAccepted>(new TrainModel { Task = task, Paths = { paths }, Origin = origin }, _askTimeout, cancellationToken);

    /// <summary>Promotes a registered version (rollback, or roll forward); every classifier switches to it.</summary>
    public Task<PromoteModelResult> PromoteAsync(string task, int version, CancellationToken cancellationToken = default) =>
        _trainer.Ask<PromoteModelResult>(new PromoteModel { Task = task, Version = version }, _askTimeout, cancellationToken);

    /// <summary>Cancels <paramref name="task"/>'s running and queued runs (the answer names their datasets, or says there were none).</summary>
    public Task<CancelTrainingResult> CancelAsync(string task, CancellationToken cancellationToken = default) =>
        _trainer.Ask<CancelTrainingResult>(new CancelTraining { Task = task }, _askTimeout, cancellationToken);

    /// <summary>What the trainer is doing and what it did lately.</summary>
    public Task<TrainerStatus> StatusAsync(CancellationToken cancellationToken = default) =>
        _trainer.Ask<TrainerStatus>(new GetTrainerStatus(), _askTimeout, cancellationToken);
}
