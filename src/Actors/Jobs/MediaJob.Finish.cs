using MediaCluster.Media.Reports;
using MediaCluster.Media.Summarize;
using MediaCluster.Media.Vad;
using MediaCluster.Messages.Jobs;
using MediaCluster.Runtime;

namespace MediaCluster.Actors.Jobs;

/// <summary>The end of a job: summary, artifacts written atomically, then <see cref="JobCompleted"/>.</summary>
public sealed partial class MediaJob
{
    /// <summary>The files a completed job leaves in its output folder.</summary>
    public static readonly string[] Artifacts =
        ["transcript.txt", "transcript.srt", "transcript.vtt", "transcript.json", "vad.rttm", "summary.txt", "report.pdf"];

    private bool _finishing;

    private void DefineFinish()
    {
        Receive<Finished>(finished =>
        {
            _finishing = false;
            if (finished.Error is not null)
            {
                EndWith(new JobFailed { Reason = finished.Error });
                return;
            }

            PersistAll<Google.Protobuf.IMessage>(
                [finished.Summary!, finished.Artifacts!, new JobCompleted { CompletedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }],
                e =>
                {
                    if (e is JobCompleted)
                    {
                        _state = JobStates.Completed;
                        Notify();
                    }
                });
        });
    }

    private void FinishIfDone()
    {
        if (IsTerminal || _finishing || !_detectionComplete || _transcribed.Count < _found.Count || _spec is null)
        {
            return;
        }

        _finishing = true;
        var transcript = BuildTranscript();
        var speech = _found.Values.Select(f => new SpeechSegment(f.Index, f.StartSample, f.EndSample)).ToList();
        var spec = _spec;
        var probed = _probed!;
        var self = Self;
        _ = Task.Run(async () =>
        {
            try
            {
                var summary = TextRank.Summarize(transcript.Segments.Select(s => s.Text).Where(t => t.Length > 0).ToList());
                await WriteArtifactsAsync(spec, probed, transcript, summary, speech);
                var written = new SummaryWritten { Text = summary.Text };
                written.Keywords.AddRange(summary.Keywords.Select(k => k.Word));
                var artifacts = new ArtifactsWritten { Directory = spec.OutputDir };
                artifacts.Names.AddRange(Artifacts);
                self.Tell(new Finished(written, artifacts, null));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Media.MediaException)
            {
                self.Tell(new Finished(null, null, $"writing the results to '{spec.OutputDir}' failed: {ex.Message}"));
            }
        });
    }

    /// <summary>The name shown for a job: its title, else its input's file name.</summary>
    public static string TitleOf(JobSpec spec) => spec.Title is { Length: > 0 } title ? title : Path.GetFileName(spec.InputPath);

    private Transcript BuildTranscript() => new(
        TitleOf(_spec!),
        TimeSpan.FromSeconds(_probed?.DurationSeconds ?? 0),
        _services.Engine,
        _services.Model,
        _transcribed.Values.Select(t => new TranscriptSegment(
            t.Index,
            TimeSpan.FromSeconds(t.StartSeconds),
            TimeSpan.FromSeconds(t.EndSeconds),
            t.Text,
            t.Confidence,
            t.Words.Select(w => new Media.Asr.RecognizedWord(w.Text, TimeSpan.FromSeconds(w.StartSeconds), TimeSpan.FromSeconds(w.EndSeconds), w.Confidence)).ToList()))
            .ToList());

    private static async Task WriteArtifactsAsync(JobSpec spec, MediaProbed probed, Transcript transcript, Summary summary, List<SpeechSegment> speech)
    {
        var dir = spec.OutputDir;
        Directory.CreateDirectory(dir);
        await AtomicFile.WriteTextAsync(Path.Combine(dir, "transcript.txt"), TranscriptFormats.Txt(transcript));
        await AtomicFile.WriteTextAsync(Path.Combine(dir, "transcript.srt"), TranscriptFormats.Srt(transcript));
        await AtomicFile.WriteTextAsync(Path.Combine(dir, "transcript.vtt"), TranscriptFormats.Vtt(transcript));
        await AtomicFile.WriteTextAsync(Path.Combine(dir, "transcript.json"), TranscriptFormats.Json(transcript));
        await AtomicFile.WriteTextAsync(Path.Combine(dir, "vad.rttm"), TranscriptFormats.Rttm(Path.GetFileNameWithoutExtension(TitleOf(spec)), speech));
        await AtomicFile.WriteTextAsync(Path.Combine(dir, "summary.txt"), $"{summary.Text}\n\nKeywords: {string.Join(", ", summary.Keywords.Select(k => k.Word))}\n");
        await PdfReport.WriteAsync(Path.Combine(dir, "report.pdf"), new ReportContent(
            $"Report: {TitleOf(spec)}",
            [("File", TitleOf(spec)), ("Container", probed.Container), ("Streams", probed.Streams),
             ("Duration", TranscriptFormats.Time(transcript.Duration, '.')), ("Engine", $"{transcript.Engine} ({transcript.Model}), Silero VAD v5")],
            transcript,
            summary,
            speech));
    }
}
