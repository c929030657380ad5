using Akka.Actor;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Summarize;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// The transcript's text labelled, a journaled step like the scenes': once speech and scenes are done, the spoken
/// segments' texts and the summary (made off the actor) go to the text classifiers in batches that each fit a remoting
/// frame (<see cref="TextBatches"/>), <see cref="SceneWork.InFlight"/> at once; each batch's labels are recorded once
/// (<see cref="TextClassified"/>), so a resumed job labels only what it had not; a failed or unanswered batch is asked
/// again after 1, 2 and 4 s, a fourth failure fails the job naming it.
/// </summary>
public sealed partial class MediaJob
{
    private readonly PiecesInFlight _batchesOut = new();
    private TextWork? _text;
    private bool _preparingText;

    private void DefineText()
    {
        Command<TextWork>(work =>
        {
            _preparingText = false;
            _text = work;
            FinishIfDone();
        });
        Command<TextClassified>(classified =>
        {
            if (classified.JobId != _jobId || _text is null || !PieceAnswered(PieceKind.Text, classified.Batch))
            {
                return; // late, or an answer to an attempt already given up on
            }

            var asked = _text.Batches[classified.Batch].Texts.Count;
            if (classified.Error.Length > 0 || classified.Labels.Count != asked)
            {
                PieceFailed(PieceKind.Text, classified.Batch, classified.Error.Length > 0 ? classified.Error : $"{classified.Labels.Count} labels for {asked} texts");
                return;
            }

            if (_state.TextLabels.ContainsKey(classified.Batch))
            {
                FinishIfDone();
                return;
            }

            Record(classified, FinishIfDone);
        });
        Command<TextWorkFailed>(failed =>
        {
            _preparingText = false;
            if (!_state.IsTerminal)
            {
                EndWith(new JobFailed { Reason = $"making the transcript's summary failed: {failed.Reason}", FailedUnixMs = Now() });
            }
        });
    }

    /// <summary>True once every batch of the transcript's text is labelled; until then it makes the texts and asks for the labels missing.</summary>
    private bool TextLabelled()
    {
        if (_text is null)
        {
            if (!_preparingText)
            {
                _preparingText = true;
                var transcript = BuildTranscript();
                var jobId = _jobId;
                Task.Run(() => TextWork.Of(jobId, transcript), _work.Token).PipeTo(Self, failure: ex => new TextWorkFailed(ex.Message));
            }

            return false;
        }

        if (_state.TextLabels.Count >= _text.Batches.Count)
        {
            return true;
        }

        for (var batch = 0; batch < _text.Batches.Count && _batchesOut.Count < _services.Scenes.InFlight; batch++)
        {
            if (!_state.TextLabels.ContainsKey(batch) && _batchesOut.MaySend(batch))
            {
                SendPiece(PieceKind.Text, batch, _text.Batches[batch]);
            }
        }

        return false;
    }

    /// <summary>The transcript with each spoken segment's label and the summary's, from the recorded batches.</summary>
    private Transcript Labelled(Transcript transcript)
    {
        var labels = _state.TextLabels.Values.SelectMany(batch => batch.Labels)
            .Select(l => new Media.Learning.ModelLabel(l.Task, l.Label, l.Confidence, l.ModelVersion)).ToList();
        if (labels.Count == 0)
        {
            return transcript;
        }

        var next = 0;
        return transcript with
        {
            Segments = [.. transcript.Segments.Select(s => s.Text.Length > 0 ? s with { Label = labels[next++] } : s)],
            SummaryLabel = labels[^1],
        };
    }

    /// <summary>The transcript's summary and the batches of texts to label: each spoken segment's, then the summary's (or, with none, the whole text's).</summary>
    private sealed record TextWork(Summary Summary, IReadOnlyList<ClassifyText> Batches)
    {
        public static TextWork Of(string jobId, Transcript transcript)
        {
            var spoken = transcript.Segments.Where(s => s.Text.Length > 0).ToList();
            var summary = TextRank.Summarize([.. spoken.Select(s => s.Text)], starts: [.. spoken.Select(s => s.Start)]);
            var batches = spoken.Count == 0
                ? []
                : TextBatches.Of(jobId, spoken.Select(s => s.Text).Append(summary.Text.Length > 0 ? summary.Text : transcript.Text));
            return new TextWork(summary, batches);
        }
    }

    private sealed record TextWorkFailed(string Reason);
}
