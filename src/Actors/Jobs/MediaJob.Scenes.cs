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
/// Scenes (a video's): one pass over its pictures off the actor (<see cref="VideoScan"/>) finds the cuts and keeps each
/// scene's frames in the job's <see cref="SceneFrameStore"/> → <see cref="ScenesDetected"/>; each scene to the scene
/// classifiers (a cluster router over the gpu nodes), which read its frames from the store, <see cref="SceneWork.InFlight"/>
/// at once; each answer recorded once by index; a failed or unanswered scene asked again after 1, 2 and 4 s, a fourth
/// failure fails the job naming it. The thumbnails are made from the same frames at the finish, so the video is decoded
/// once. Runs beside speech; the job finishes when both are done.
/// </summary>
public sealed partial class MediaJob
{
    private readonly PiecesInFlight _scenesOut = new();
    private readonly FailedAttempts _scanFailures = new();
    private bool _readingVideo;

    /// <summary>This incarnation knows every recorded scene's frames are kept (so scenes may be labelled, thumbnails made).</summary>
    private bool _framesKept;

    private void DefineScenes()
    {
        Command<ScenesFound>(OnScenesFound);
        Command<SceneClassified>(classified =>
        {
            if (classified.JobId != _jobId || !PieceAnswered(PieceKind.Scene, classified.Index))
            {
                return; // late, or an answer to an attempt already given up on
            }

            if (_state.Classified.ContainsKey(classified.Index))
            {
                ClassifyScenes();
                return;
            }

            if (_scenesSentAt.Remove(classified.Index, out var sent))
            {
                var total = (DateTimeOffset.UtcNow - sent).TotalSeconds;
                PieceDone("scene", classified.Index, classified.Node, total - classified.WorkSeconds, Math.Min(total, classified.WorkSeconds));
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
                PieceFailed(PieceKind.Scene, failed.Index, failed.Reason);
            }
        });
    }

    /// <summary>The scenes' next step: read the video (finding the scenes, or their frames again), or send those not yet labelled.</summary>
    private void AdvanceScenes(JobSpec spec)
    {
        if (!_state.HasVideo)
        {
            return;
        }

        if (_framesKept)
        {
            ClassifyScenes();
            return;
        }

        if (!_readingVideo)
        {
            _readingVideo = true;
            var duration = TimeSpan.FromSeconds(_state.Probed!.DurationSeconds);
            var plan = _state.Scenes?.Scenes.Select(f => new SceneSpan(f.Index, TimeSpan.FromSeconds(f.StartSeconds), TimeSpan.FromSeconds(f.EndSeconds), [.. f.FrameSeconds.Select(TimeSpan.FromSeconds)])).ToList();
            ReadVideoAsync(spec, duration, _services.Scenes.Options, plan, _work.Token)
                .PipeTo(Self, failure: ex => new ScenesFound(null, $"reading the scenes of '{spec.InputPath}' failed: {ex.Message}"));
        }
    }

    /// <summary>
    /// The one pass over the video's pictures: each scene's frames kept in the job's <see cref="SceneFrameStore"/> as the
    /// scene is read. With the scenes recorded before (<paramref name="plan"/>: a resumed job, or one retried after its
    /// frames were removed) only missing frames are read, for exactly those scenes; with all of them kept, no pass.
    /// </summary>
    private static async Task<ScenesFound> ReadVideoAsync(JobSpec spec, TimeSpan duration, SceneOptions options, List<SceneSpan>? plan, CancellationToken cancellationToken)
    {
        var store = SceneFrameStore.Of(spec.OutputDir);
        try
        {
            if (plan is not null && plan.All(s => store.Has(s.Index)))
            {
                return new ScenesFound(null, null);
            }

            var spans = await VideoScan.RunAsync(
                spec.InputPath,
                duration,
                options,
                scene => plan is not null && store.Has(scene.Span.Index) ? Task.CompletedTask : store.WriteAsync(scene, cancellationToken),
                plan,
                cancellationToken);
            if (plan is not null)
            {
                return new ScenesFound(null, null);
            }

            var detected = new ScenesDetected();
            foreach (var span in spans)
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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ScenesFound(null, $"keeping the scenes' frames in '{store.Directory}' failed: {ex.Message}", Transient: true);
        }
    }

    private void OnScenesFound(ScenesFound found)
    {
        _readingVideo = false;
        if (_state.IsTerminal)
        {
            return;
        }

        if (found.Error is not null)
        {
            // A disk that may be put right is tried again after 1, 2 and 4 s; the input's own fault fails the job.
            if (found.Transient && _scanFailures.Failed(0) is (_, { } delay))
            {
                _services.Log.LogWarning("Job {JobId}: {Reason}; trying again in {Delay:0} s", _jobId, found.Error, delay.TotalSeconds);
                _clock.StartSingle("read-video", Advance.Instance, delay);
                return;
            }

            EndWith(new JobFailed { Reason = found.Error, FailedUnixMs = Now() });
            return;
        }

        if (found.Scenes is null)
        {
            _framesKept = true; // the recorded scenes' frames are all there again
            AdvanceJob();
            return;
        }

        Record(found.Scenes, () =>
        {
            _framesKept = true;
            _services.Log.LogInformation("Job {JobId}: {Scenes} scene(s) found", _jobId, found.Scenes.Scenes.Count);
            AdvanceJob();
        });
    }

    private void ClassifyScenes()
    {
        if (_state.IsTerminal || !_framesKept || _state.Scenes is not { } scenes || _state.Spec is not { } spec)
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

            _scenesSentAt[scene.Index] = DateTimeOffset.UtcNow;
            SendPiece(PieceKind.Scene, scene.Index, new ClassifyScene
            {
                JobId = _jobId, FramesPath = SceneFrameStore.Of(spec.OutputDir).PathOf(scene.Index), Scene = scene, ClipTasks = spec.ClipTasks, TraceParent = spec.TraceParent,
            });
        }
    }

    /// <summary>A pass's outcome: the scenes found (null when recorded before), or why it failed.</summary>
    private sealed record ScenesFound(ScenesDetected? Scenes, string? Error, bool Transient = false);
}
