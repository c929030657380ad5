using System.Globalization;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using MediaCluster.Media.Learning;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Training;

/// <summary>What the trainer is asked and looks at: promotions by hand, default models, the watched dataset folders, its status.</summary>
public sealed partial class Trainer
{
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

    /// <summary>
    /// Cancels a task's runs: the running one is stopped (its end is recorded as cancelled when it comes back), the
    /// queued ones are recorded as cancelled now. None of them makes a version; their datasets may be trained again.
    /// </summary>
    private void OnCancel(CancelTraining cancel)
    {
        var result = new CancelTrainingResult();
        if (_running is { } running && running.Request.Task == cancel.Task && _cancelRun is { } stop)
        {
            stop.Cancel();
            result.DatasetHashes.Add(running.DatasetHash);
            _log.LogInformation("Training {Task} on dataset {Hash}: cancelling, by request", cancel.Task, running.DatasetHash);
        }

        var queued = _pending.Where(p => p.Request.Task == cancel.Task && p != _running).ToList();
        result.DatasetHashes.AddRange(queued.Select(q => q.DatasetHash));
        if (result.DatasetHashes.Count == 0)
        {
            result.Error = $"no run of {cancel.Task} is running or queued";
        }

        var replyTo = Sender;
        if (queued.Count == 0)
        {
            replyTo.Tell(result);
            return;
        }

        PersistAll(queued.Select(q => new TrainingFinished
        {
            Task = q.Request.Task,
            DatasetHash = q.DatasetHash,
            Outcome = ModelStatus.Cancelled,
            Reason = "cancelled by request, while queued",
        }), finished =>
        {
            var run = queued.First(q => q.DatasetHash == finished.DatasetHash);
            OnFinishedRecorded(finished);
            _log.LogInformation("Training {Task} on dataset {Hash} cancelled by request, while queued", finished.Task, finished.DatasetHash);
            DatasetUploads.Delete(_options.DatasetsRoot, _log, run.Request);
            if (finished.DatasetHash == queued[^1].DatasetHash)
            {
                replyTo.Tell(result);
            }
        });
    }

    /// <summary>
    /// A classifier found no promoted model for a scene task: train its default from generated data (once per task while
    /// this trainer lives). Other tasks have no default (texts are labelled by VADER until a user trains one).
    /// </summary>
    private void EnsureDefault(string task)
    {
        if (_engines.ShotTasks.FirstOrDefault(t => t.Name == task) is not { } learning || !_defaultsAsked.Add(task))
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

    /// <summary>The tasks whose folders are watched: the built-in ones and those users defined (the built-in ones alone while the registry cannot be read).</summary>
    private void ListWatched()
    {
        var (catalog, builtIn, log) = (_catalog, _engines.LearningTasks, _log);
        Task.Run(async () =>
        {
            try
            {
                return new Watched([.. builtIn, .. await catalog.DefinedAsync()]);
            }
            catch (Exception ex)
            {
                // Whatever kept the registry from answering (an outage, a definition this release cannot read), the built-in folders are still looked at.
                log.LogDebug("The defined tasks could not be listed for the dataset folders: {Reason}", ex.Message);
                return new Watched(builtIn);
            }
        }).PipeTo(Self);
    }

    /// <summary>
    /// Each task's folder: when its data files have stayed the same (names, sizes, times) for two looks and differ from
    /// what was last handed on, the folder is handed to training (the dataset hash then says whether it is new).
    /// </summary>
    private void LookAtDatasets(IReadOnlyList<LearningTask> watched)
    {
        var folders = new List<(string Task, string Signature)>();
        foreach (var learning in watched)
        {
            var folder = Path.Combine(_options.DatasetsRoot, learning.Name);
            try
            {
                if (Directory.Exists(folder) && Signature(folder, learning.DataPatterns) is { Length: > 0 } signature)
                {
                    folders.Add((learning.Name, signature));
                }
            }
            catch (IOException)
            {
                // a file went while it was looked at: the next look sees the folder as it is
            }
        }

        foreach (var task in _datasets.Look(folders))
        {
            HashThen(new TrainModel { Task = task, Paths = { Path.Combine(_options.DatasetsRoot, task) }, Origin = "watch" }, ActorRefs.Nobody);
        }
    }

    private static string Signature(string folder, IEnumerable<string> patterns) =>
        string.Join('|', patterns.SelectMany(pattern => Directory.GetFiles(folder, pattern)).Order(StringComparer.Ordinal).Select(f =>
        {
            var info = new FileInfo(f);
            return string.Create(CultureInfo.InvariantCulture, $"{info.Name}:{info.Length}:{info.LastWriteTimeUtc.Ticks}");
        }));

    private sealed record Watched(IReadOnlyList<LearningTask> Tasks);

    private TrainerStatus Status()
    {
        var status = new TrainerStatus
        {
            RunningTask = _running?.Request.Task ?? string.Empty,
            RunningDatasetHash = _running?.DatasetHash ?? string.Empty,
            Phase = _phase.ToString(),
            Queued = Math.Max(0, _pending.Count - (_running is null ? 0 : 1)),
        };
        status.Recent.AddRange(_finished.Values.TakeLast(20));
        return status;
    }
}
