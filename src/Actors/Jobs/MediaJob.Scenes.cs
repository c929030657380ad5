using Akka.Actor;
using MediaCluster.Media.Video;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>How a job finds and labels its scenes (built from the node's Node:Scenes settings).</summary>
/// <param name="Options">Cut threshold, shortest scene, frames per scene.</param>
/// <param name="InFlight">Scenes of one job being labelled at once (over every gpu node).</param>
/// <param name="ClassifyTimeout">A scene with no answer by then is asked again (its node may be gone).</param>
public sealed record SceneWork(SceneOptions Options, int InFlight, TimeSpan ClassifyTimeout)
{
    public static SceneWork Default { get; } = new(new SceneOptions(), 4, TimeSpan.FromSeconds(60));
}

/// <summary>
/// Scenes (a video's): cut detection off the actor → <see cref="ScenesDetected"/>; each scene to the scene classifiers
/// (a cluster router over the gpu nodes), <see cref="SceneWork.InFlight"/> at once; each answer recorded once by
/// index; a failed or unanswered scene asked again after 1, 2 and 4 s, a fourth failure fails the job naming it.
/// Runs beside speech; the job finishes when both are done.
/// </summary>
public sealed partial class MediaJob
{
    private readonly PiecesInFlight _scenesOut = new();
    private bool _findingScenes;

    private void DefineScenes()
    {
        Command<ScenesFound>(found =>
        {
            _findingScenes = false;
            if (_state.IsTerminal)
            {
                return;
            }

            if (found.Scenes is null)
            {
                EndWith(new JobFailed { Reason = found.Error!, FailedUnixMs = Now() });
                return;
            }

            Record(found.Scenes, () =>
            {
                _services.Log.LogInformation("Job {JobId}: {Scenes} scene(s) found", _jobId, found.Scenes.Scenes.Count);
                AdvanceJob();
            });
        });
        Command<SceneClassified>(classified =>
        {
            if (_state.IsTerminal || classified.JobId != _jobId || !_scenesOut.Answered(classified.Index))
            {
                return; // late, or an answer to an attempt already given up on
            }

            _clock.Cancel(SceneTimer(classified.Index));
            if (_state.Classified.ContainsKey(classified.Index))
            {
                ClassifyScenes();
                return;
            }

            Record(classified, () =>
            {
                ClassifyScenes();
                FinishIfDone();
            });
        });
        Command<SceneClassificationFailed>(failed =>
        {
            if (!_state.IsTerminal && failed.JobId == _jobId && _scenesOut.IsOut(failed.Index))
            {
                SceneFailed(failed.Index, failed.Reason);
            }
        });
    }

    /// <summary>The scenes' next step: find them, or send those not yet labelled.</summary>
    private void AdvanceScenes(JobSpec spec)
    {
        if (!_state.HasVideo)
        {
            return;
        }

        if (_state.Scenes is null)
        {
            if (!_findingScenes)
            {
                _findingScenes = true;
                var duration = TimeSpan.FromSeconds(_state.Probed!.DurationSeconds);
                FindScenesAsync(spec.InputPath, duration, _services.Scenes.Options, _work.Token)
                    .PipeTo(Self, failure: ex => new ScenesFound(null, $"finding the scenes of '{spec.InputPath}' failed: {ex.Message}"));
            }

            return;
        }

        ClassifyScenes();
    }

    private static async Task<ScenesFound> FindScenesAsync(string path, TimeSpan duration, SceneOptions options, CancellationToken cancellationToken)
    {
        try
        {
            if (duration <= TimeSpan.Zero)
            {
                return new ScenesFound(null, $"ffprobe gives '{path}' no duration, so its scenes cannot be planned");
            }

            var detected = new ScenesDetected();
            foreach (var span in await SceneFinder.FindAsync(path, duration, options, cancellationToken))
            {
                var scene = new SceneFound { Index = span.Index, StartSeconds = span.Start.TotalSeconds, EndSeconds = span.End.TotalSeconds };
                scene.FrameSeconds.AddRange(span.FrameTimes.Select(t => t.TotalSeconds));
                detected.Scenes.Add(scene);
            }

            return new ScenesFound(detected, null);
        }
        catch (Media.MediaException ex)
        {
            return new ScenesFound(null, ex.Message);
        }
    }

    private void ClassifyScenes()
    {
        if (_state.IsTerminal || _state.Scenes is not { } scenes || _state.Spec is not { } spec)
        {
            return;
        }

        foreach (var scene in scenes.Scenes)
        {
            if (_scenesOut.Count >= _services.Scenes.InFlight)
            {
                return;
            }

            if (_state.Classified.ContainsKey(scene.Index) || !_scenesOut.MaySend(scene.Index))
            {
                continue;
            }

            _scenesOut.Sent(scene.Index);
            _services.Classifiers.Tell(new ClassifyScene { JobId = _jobId, InputPath = spec.InputPath, Scene = scene });
            _clock.StartSingle(SceneTimer(scene.Index), new SceneTimedOut(scene.Index), _services.Scenes.ClassifyTimeout);
        }
    }

    private void SceneFailed(int index, string reason)
    {
        var (attempts, retryAfter) = _scenesOut.Failed(index);
        if (retryAfter is not { } delay)
        {
            EndWith(new JobFailed { Reason = $"scene {index + 1} could not be labelled after {attempts} attempts: {reason}", FailedUnixMs = Now() });
            return;
        }

        _clock.StartSingle(SceneTimer(index), new RetryScene(index), delay);
    }

    private void OnSceneTimer(object message)
    {
        switch (message)
        {
            case SceneTimedOut timedOut when _scenesOut.IsOut(timedOut.Index):
                SceneFailed(timedOut.Index, $"no scene classifier answered within {_services.Scenes.ClassifyTimeout.TotalSeconds:0} s");
                break;
            case RetryScene retry:
                _scenesOut.RetryDue(retry.Index);
                ClassifyScenes();
                break;
        }
    }

    private static string SceneTimer(int index) => $"scene-{index}";

    private sealed record ScenesFound(ScenesDetected? Scenes, string? Error);

    private sealed record SceneTimedOut(int Index);

    private sealed record RetryScene(int Index);
}
