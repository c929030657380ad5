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
    /// <summary>Tries at the results when each failed for a passing cause (a full disk, the classifiers away) before the job fails.</summary>
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
        if (!_state.ReadyToFinish || _finishing)
        {
            return;
        }

        _finishing = true;
        var transcript = BuildTranscript();
        var speech = _state.Found.Values.Select(f => new SpeechSegment(f.Index, f.StartSample, f.EndSample)).ToList();
        var spec = _state.Spec!;
        var probed = _state.Probed!;
        var scenes = _state.Scenes?.Scenes.Select(f => new Scene(
            f.Index,
            TimeSpan.FromSeconds(f.StartSeconds),
            TimeSpan.FromSeconds(f.EndSeconds),
            [.. f.FrameSeconds.Select(TimeSpan.FromSeconds)],
            [.. _state.Classified[f.Index].Labels.Select(l => new Media.Learning.ModelLabel(l.Task, l.Label, l.Confidence, l.ModelVersion))])).ToList();
        var classifiers = _services.Classifiers;
        var timeout = _services.Scenes.ClassifyTimeout;
        var stop = _work.Token;
        Task.Run(() => WriteAsync(spec, probed, transcript, speech, scenes, classifiers, timeout, stop), stop)
            .PipeTo(Self, failure: ex => new Finished(null, null, $"writing the results to '{spec.OutputDir}' failed: {ex.Message}", Transient: ex is not OperationCanceledException));
    }

    private static async Task<Finished> WriteAsync(
        JobSpec spec, MediaProbed probed, Transcript transcript, List<SpeechSegment> speech, List<Scene>? scenes, IActorRef classifiers, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        try
        {
            var spoken = transcript.Segments.Where(s => s.Text.Length > 0).ToList();
            var summary = TextRank.Summarize([.. spoken.Select(s => s.Text)], starts: [.. spoken.Select(s => s.Start)]);
            if (spoken.Count > 0)
            {
                var labelled = await LabelTextAsync(spec.JobId, transcript, spoken, summary, classifiers, timeout);
                if (labelled.Error is not null)
                {
                    return new Finished(null, null, labelled.Error, Transient: true);
                }

                transcript = labelled.Transcript!;
            }

            await JobOutput.WriteAsync(new JobResult(spec.InputPath, TitleOf(spec), probed.Container, probed.Streams, transcript, summary, speech, scenes), spec.OutputDir, cancellationToken);
            var written = new SummaryWritten { Text = summary.Text };
            written.Keywords.AddRange(summary.Keywords.Select(k => k.Word));
            var artifacts = new ArtifactsWritten { Directory = spec.OutputDir };
            artifacts.Names.AddRange(JobOutput.Of(scenes is not null).Select(a => a.Name));
            return new Finished(written, artifacts, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Media.MediaException)
        {
            // The disk or the folder (full, read-only, a file in the way) may be put right; the input's pictures (a
            // MediaException from the thumbnails) will not.
            return new Finished(null, null, $"writing the results to '{spec.OutputDir}' failed: {ex.Message}", Transient: ex is not Media.MediaException);
        }
    }

    /// <summary>
    /// The text model's label for each spoken segment and for the summary (or, with no summary, the whole text), from the
    /// classifiers of a gpu node, in batches that each fit a remoting frame (<see cref="TextBatches"/>); a batch is asked
    /// again (another node, in turn) when one fails or does not answer in time.
    /// </summary>
    private static async Task<(Transcript? Transcript, string? Error)> LabelTextAsync(
        string jobId, Transcript transcript, List<TranscriptSegment> spoken, Summary summary, IActorRef classifiers, TimeSpan timeout)
    {
        var labels = new List<Media.Learning.ModelLabel>();
        var batches = TextBatches.Of(jobId, spoken.Select(s => s.Text).Append(summary.Text.Length > 0 ? summary.Text : transcript.Text));
        foreach (var (request, number) in batches.Select((b, i) => (b, i + 1)))
        {
            var (batch, reason) = await LabelBatchAsync(request, classifiers, timeout);
            if (batch is null)
            {
                var which = batches.Count > 1 ? $" (batch {number} of {batches.Count})" : string.Empty;
                return (null, $"labelling the transcript's text{which} failed after {FailedAttempts.MaxRetries + 1} attempts: {reason}");
            }

            labels.AddRange(batch);
        }

        var next = 0;
        return (transcript with
        {
            Segments = [.. transcript.Segments.Select(s => s.Text.Length > 0 ? s with { Label = labels[next++] } : s)],
            SummaryLabel = labels[^1],
        }, null);
    }

    private static async Task<(List<Media.Learning.ModelLabel>? Labels, string Reason)> LabelBatchAsync(ClassifyText request, IActorRef classifiers, TimeSpan timeout)
    {
        var reason = string.Empty;
        for (var attempt = 0; attempt <= FailedAttempts.MaxRetries; attempt++)
        {
            try
            {
                var answer = await classifiers.Ask<TextClassified>(request, timeout);
                if (answer.Error.Length == 0 && answer.Labels.Count == request.Texts.Count)
                {
                    return ([.. answer.Labels.Select(l => new Media.Learning.ModelLabel(l.Task, l.Label, l.Confidence, l.ModelVersion))], string.Empty);
                }

                reason = answer.Error.Length > 0 ? answer.Error : $"{answer.Labels.Count} labels for {request.Texts.Count} texts";
            }
            catch (AskTimeoutException)
            {
                reason = $"no classifier answered within {timeout.TotalSeconds:0} s";
            }
        }

        return (null, reason);
    }

    /// <summary>
    /// The recogniser(s) named in the transcript: those that recognised its segments, on whichever gpu node (joined with
    /// " + " when nodes ran different ones); with no segment (or only ones journaled before segments carried it), this
    /// node's own.
    /// </summary>
    private (string Engine, string Model) EngineOf(IEnumerable<SegmentTranscribed> segments)
    {
        var used = segments.Where(s => s.Engine.Length > 0).Select(s => (s.Engine, s.Model)).Distinct().Order().ToList();
        return used.Count == 0
            ? (_services.Engines.Recognizer.Engine, _services.Engines.Recognizer.Model)
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
                .ToList());
    }

    private sealed record Finished(SummaryWritten? Summary, ArtifactsWritten? Artifacts, string? Error, bool Transient = false);

    private sealed record RetryFinish
    {
        public static RetryFinish Instance { get; } = new();
    }
}
