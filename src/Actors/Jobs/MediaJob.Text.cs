using Akka.Actor;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Summarize;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// The transcript's text labelled and summarised, a journaled step like the scenes': once speech and scenes are done,
/// the spoken segments' texts go to the text classifiers in batches that each fit a remoting frame
/// (<see cref="TextBatches"/>), <see cref="SceneWork.InFlight"/> at once; each batch's labels and MiniLM embeddings
/// are recorded once (<see cref="TextClassified"/>). From the recorded embeddings the summary is made (off the actor;
/// every utterance ranked by its similarity to the transcript's mean embedding — TextRank over shared words where a
/// batch has none), and its text is labelled as one more batch. A resumed job labels only what it had not, and makes
/// the same summary from the same records. A failed or unanswered batch is asked again after 1, 2 and 4 s, a fourth
/// failure fails the job naming it.
/// </summary>
public sealed partial class MediaJob
{
    private readonly PiecesInFlight _batchesOut = new();
    private TextWork? _text;
    private bool _preparingText;
    private bool _summarizing;

    private void DefineText()
    {
        Command<TextWork>(work =>
        {
            _preparingText = false;
            _text = work;
            FinishIfDone();
        });
        Command<TextSummarized>(summarized =>
        {
            _summarizing = false;
            if (_text is not null)
            {
                _text = _text with { Summary = summarized.Summary, Batches = [.. _text.Batches.Take(_text.SegmentBatches), summarized.Batch] };
                FinishIfDone();
            }
        });
        Command<TextClassified>(classified =>
        {
            if (classified.JobId != _jobId || _text is null || classified.Batch >= _text.Batches.Count || !PieceAnswered(PieceKind.Text, classified.Batch))
            {
                return; // late, or an answer to an attempt already given up on
            }

            var asked = _text.Batches[classified.Batch].Texts.Count;
            var embedded = classified.Embeddings.Count;
            if (classified.Error.Length > 0 || classified.Labels.Count != asked || (embedded != 0 && embedded != asked))
            {
                PieceFailed(PieceKind.Text, classified.Batch, classified.Error.Length > 0 ? classified.Error : $"{classified.Labels.Count} labels and {embedded} embeddings for {asked} texts");
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
            _summarizing = false;
            if (!_state.IsTerminal)
            {
                EndWith(new JobFailed { Reason = $"making the transcript's summary failed: {failed.Reason}", FailedUnixMs = Now() });
            }
        });
    }

    /// <summary>True once the segments' texts and the summary are labelled; until then it asks for what is missing, and makes the summary between.</summary>
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

        if (_text.Summary is null && SegmentsLabelled())
        {
            if (LegacySummaryLabel() is null)
            {
                if (!_summarizing)
                {
                    _summarizing = true;
                    var (work, recorded, jobId) = (_text, _state.TextLabels, _jobId);
                    Task.Run(() => TextSummarized.Of(jobId, work, recorded), _work.Token).PipeTo(Self, failure: ex => new TextWorkFailed(ex.Message));
                }

                return false;
            }

            // Recorded by a release that labelled the summary inside the segments' last batch: its summary was TextRank's.
            _text = _text with { Summary = TextRank.Summarize(_text.Spoken, starts: _text.Starts) };
        }

        if (_text.Summary is not null && (_state.TextLabels.Count >= _text.Batches.Count || (_text.Spoken.Count > 0 && LegacySummaryLabel() is not null)))
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

    private bool SegmentsLabelled() => Enumerable.Range(0, _text!.SegmentBatches).All(_state.TextLabels.ContainsKey);

    /// <summary>The summary's label where an earlier release recorded it as the last label of the segments' batches.</summary>
    private SceneLabel? LegacySummaryLabel()
    {
        var labels = Enumerable.Range(0, _text!.SegmentBatches).Where(_state.TextLabels.ContainsKey).SelectMany(b => _state.TextLabels[b].Labels).ToList();
        return labels.Count > _text.Spoken.Count ? labels[_text.Spoken.Count] : null;
    }

    /// <summary>The transcript with each spoken segment's label and the summary's, from the recorded batches.</summary>
    private Transcript Labelled(Transcript transcript)
    {
        var labels = Enumerable.Range(0, _text!.SegmentBatches).SelectMany(b => _state.TextLabels[b].Labels).Take(_text.Spoken.Count)
            .Select(ModelLabel).ToList();
        if (labels.Count == 0)
        {
            return transcript;
        }

        var summaryLabel = _state.TextLabels.TryGetValue(_text.SegmentBatches, out var summary) ? summary.Labels[0] : LegacySummaryLabel()!;
        var next = 0;
        return transcript with
        {
            Segments = [.. transcript.Segments.Select(s => s.Text.Length > 0 ? s with { Label = labels[next++] } : s)],
            SummaryLabel = ModelLabel(summaryLabel),
        };
    }

    private static Media.Learning.ModelLabel ModelLabel(SceneLabel l) => new(l.Task, l.Label, l.Confidence, l.ModelVersion);

    /// <summary>
    /// The spoken segments' texts, their starts and the batches that label them; once made, the summary and the batch
    /// that labels its text (the last). With no speech there is nothing to label, and the summary is empty.
    /// </summary>
    private sealed record TextWork(IReadOnlyList<string> Spoken, IReadOnlyList<TimeSpan> Starts, IReadOnlyList<ClassifyText> Batches, int SegmentBatches, Summary? Summary)
    {
        public static TextWork Of(string jobId, Transcript transcript)
        {
            var spoken = transcript.Segments.Where(s => s.Text.Length > 0).ToList();
            var batches = TextBatches.Of(jobId, spoken.Select(s => s.Text));
            return new TextWork(
                [.. spoken.Select(s => s.Text)], [.. spoken.Select(s => s.Start)], batches, batches.Count, spoken.Count == 0 ? new Summary([], []) : null);
        }
    }

    /// <summary>The summary made from the recorded embeddings, and the batch that labels its text.</summary>
    private sealed record TextSummarized(Summary Summary, ClassifyText Batch)
    {
        public static TextSummarized Of(string jobId, TextWork work, IReadOnlyDictionary<int, TextClassified> recorded)
        {
            var batches = Enumerable.Range(0, work.SegmentBatches).Select(b => recorded[b]).ToList();
            IReadOnlyList<float[]>? embeddings = batches.All(b => b.Embeddings.Count == b.Labels.Count)
                ? [.. batches.SelectMany(b => b.Embeddings).Select(Classification.TextEmbeddings.Read)]
                : null;
            var summary = TextRank.Summarize(work.Spoken, starts: work.Starts, embeddings: embeddings);
            var batch = TextBatches.Of(jobId, [summary.Text.Length > 0 ? summary.Text : string.Join(' ', work.Spoken)])[0];
            batch.Batch = work.SegmentBatches;
            return new TextSummarized(summary, batch);
        }
    }

    private sealed record TextWorkFailed(string Reason);
}
