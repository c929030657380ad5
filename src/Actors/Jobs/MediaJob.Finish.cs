using Akka.Actor;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Summarize;
using MediaCluster.Media.Vad;
using MediaCluster.Media.Video;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>The end of a job: summary, artifacts written atomically (off the actor), then <see cref="JobCompleted"/>.</summary>
public sealed partial class MediaJob
{
    /// <summary>Tries at the results when each failed for a passing cause (a full disk, a folder in the way) before the job fails.</summary>
    public const int MaxFinishAttempts = 8;

    private bool _finishing;
    private int _finishFailures;

    private void DefineFinish() => Command<Finished>(finished =>
    {
        _finishing = false;
        if (_state.IsTerminal)
        {
            return; // cancelled while the artifacts were being written: it stays cancelled
        }

        if (finished.Error is not null)
        {
            // A cause that may pass is tried again after 1, 2, 4 … 60 s (the input stays either way); the input's own
            // fault, or the last try, fails the job.
            if (finished.Transient && ++_finishFailures < MaxFinishAttempts)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(60, 1 << (_finishFailures - 1)));
                _services.Log.LogWarning(
                    "Job {JobId}: {Reason}; trying again in {Delay:0} s (attempt {Attempt} of {Attempts})",
                    _jobId, finished.Error, delay.TotalSeconds, _finishFailures + 1, MaxFinishAttempts);
                _clock.StartSingle("finish", RetryFinish.Instance, delay);
                return;
            }

            EndWith(new JobFailed { Reason = finished.Error, FailedUnixMs = Now() });
            return;
        }

        Record([finished.Summary!, finished.Artifacts!, new JobCompleted { CompletedUnixMs = Now() }], LogEnd);
    });

    private void FinishIfDone()
    {
        if (!_state.ReadyToFinish || _finishing || !TextLabelled() || !SpeakersKnown() || (_state.HasVideo && !_framesKept))
        {
            return;
        }

        _finishing = true;
        var transcript = Labelled(BuildTranscript());
        var summary = _text!.Summary!;
        var speech = _state.Found.Values.Select(f => new SpeechSegment(f.Index, f.StartSample, f.EndSample)).ToList();
        var spec = _state.Spec!;
        var probed = _state.Probed!;
        var scenes = _state.Scenes?.Scenes.Select(f => new Scene(
            f.Index,
            TimeSpan.FromSeconds(f.StartSeconds),
            TimeSpan.FromSeconds(f.EndSeconds),
            [.. f.FrameSeconds.Select(TimeSpan.FromSeconds)],
            [.. _state.Classified[f.Index].Labels.Select(l => new Media.Learning.ModelLabel(l.Task, l.Label, l.Confidence, l.ModelVersion))])).ToList();
        var stop = _work.Token;
        var timeline = Timeline();
        var node = _node;
        Task.Run(() => WriteAsync(spec, probed, transcript, summary, speech, scenes, timeline, node, stop), stop)
            .PipeTo(Self, failure: ex => new Finished(null, null, $"writing the results to '{spec.OutputDir}' failed: {ex.Message}", Transient: ex is not OperationCanceledException));
    }

    private static async Task<Finished> WriteAsync(
        JobSpec spec, MediaProbed probed, Transcript transcript, Summary summary, List<SpeechSegment> speech, List<Scene>? scenes, JobTimeline timeline, string node, CancellationToken cancellationToken)
    {
        try
        {
            var started = DateTimeOffset.UtcNow;
            await JobOutput.WriteAsync(new JobResult(TitleOf(spec), probed.Container, probed.Streams, probed.FrameRate, transcript, summary, speech, scenes), spec.OutputDir, cancellationToken);
            var written = DateTimeOffset.UtcNow;
            Hosting.Telemetry.Record("job.artifacts", spec.TraceParent, started, written, ("mediacluster.job_id", spec.JobId), ("mediacluster.node", node));
            await (timeline with
            {
                Bars = [.. timeline.Bars, TimelineBar.Of(timeline.Started, "artifacts", -1, node, started, 0, (written - started).TotalSeconds)],
            }).KeepAsync(spec.OutputDir);
            var kept = new SummaryWritten { Text = summary.Text };
            kept.Keywords.AddRange(summary.Keywords.Select(k => k.Word));
            var artifacts = new ArtifactsWritten { Directory = spec.OutputDir };
            artifacts.Names.AddRange(JobOutput.Of(scenes is not null).Select(a => a.Name));
            return new Finished(kept, artifacts, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Media.MediaException)
        {
            // The disk or the folder (full, read-only, a file in the way) may be put right; the input's pictures (a
            // MediaException from the thumbnails) will not.
            return new Finished(null, null, $"writing the results to '{spec.OutputDir}' failed: {ex.Message}", Transient: ex is not Media.MediaException);
        }
    }

    /// <summary>
    /// The recogniser(s) named in the transcript: those that recognised its segments, on whichever gpu node (joined with
    /// " + " when nodes ran different ones); with no segment (or only ones journaled before segments carried it), this
    /// node's own if it has one (a jobs-only node makes none just to name it).
    /// </summary>
    private (string Engine, string Model) EngineOf(IEnumerable<SegmentTranscribed> segments)
    {
        var used = segments.Where(s => s.Engine.Length > 0).Select(s => (s.Engine, s.Model)).Distinct().Order().ToList();
        return used.Count == 0
            ? _services.Engines.RecognizerMade
            : (string.Join(" + ", used.Select(u => u.Engine).Distinct()), string.Join(" + ", used.Select(u => u.Model)));
    }

    private Transcript BuildTranscript()
    {
        var (engine, model) = EngineOf(_state.Transcribed.Values);
        return new(
            TitleOf(_state.Spec!),
            TimeSpan.FromSeconds(_state.Probed?.DurationSeconds ?? 0),
            engine,
            model,
            _state.Transcribed.Values.Select(t => new TranscriptSegment(
                t.Index,
                TimeSpan.FromSeconds(t.StartSeconds),
                TimeSpan.FromSeconds(t.EndSeconds),
                t.Text,
                t.Confidence,
                t.Words.Select(w => new Media.Asr.RecognizedWord(w.Text, TimeSpan.FromSeconds(w.StartSeconds), TimeSpan.FromSeconds(w.EndSeconds), w.Confidence)).ToList()))
                .ToList(),
            Speakers: Speakers());
    }

    private sealed record Finished(SummaryWritten? Summary, ArtifactsWritten? Artifacts, string? Error, bool Transient = false);

    private sealed record RetryFinish
    {
        public static RetryFinish Instance { get; } = new();
    }
}
