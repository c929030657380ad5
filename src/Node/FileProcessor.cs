using System.Diagnostics;
using System.Globalization;
using MediaCluster.Media;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Summarize;
using MediaCluster.Media.Vad;

namespace MediaCluster.Node;

/// <summary>
/// One file through the engines — decode, VAD, recognition on every core, TextRank, writers — with
/// progress lines. The actor pipeline (persistent jobs, workers) will run the same steps.
/// </summary>
internal static class FileProcessor
{
    /// <summary>The files written into the output folder.</summary>
    public static readonly string[] Outputs =
        ["transcript.txt", "transcript.srt", "transcript.vtt", "transcript.json", "vad.rttm", "summary.txt", "report.pdf"];

    public static async Task<(TranscriptionResult Result, Summary Summary)> ProcessAsync(
        string file, string outputDirectory, TextWriter progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var vad = new SileroVad();
        using var recognizer = new PocketSphinxRecognizer();
        var transcriber = new Transcriber(vad, recognizer);
        var lastReport = TimeSpan.Zero;
        var reporter = new Progress<TranscriptionProgress>(p =>
        {
            if (watch.Elapsed - lastReport < TimeSpan.FromSeconds(1))
            {
                return;
            }

            lastReport = watch.Elapsed;
            var of = p.Duration is { } d ? $" of {d.TotalSeconds:0} s ({100 * p.AudioDecoded.TotalSeconds / Math.Max(1, d.TotalSeconds):0}%)" : string.Empty;
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  decoded {p.AudioDecoded.TotalSeconds:0} s{of}, {p.SegmentsFound} speech segments, {p.SegmentsRecognized} recognised"));
        });

        progress.WriteLine($"processing '{file}' with {recognizer.Engine} ({recognizer.Concurrency} decoders) and Silero VAD ({vad.Provider})");
        var result = await transcriber.TranscribeAsync(file, reporter, cancellationToken);
        var summary = TextRank.Summarize(result.Transcript.Segments.Select(s => s.Text).Where(t => t.Length > 0).ToList());
        Directory.CreateDirectory(outputDirectory);
        var transcript = result.Transcript;
        await Task.WhenAll(
            AtomicFile.WriteTextAsync(Path.Combine(outputDirectory, "transcript.txt"), TranscriptFormats.Txt(transcript), cancellationToken),
            AtomicFile.WriteTextAsync(Path.Combine(outputDirectory, "transcript.srt"), TranscriptFormats.Srt(transcript), cancellationToken),
            AtomicFile.WriteTextAsync(Path.Combine(outputDirectory, "transcript.vtt"), TranscriptFormats.Vtt(transcript), cancellationToken),
            AtomicFile.WriteTextAsync(Path.Combine(outputDirectory, "transcript.json"), TranscriptFormats.Json(transcript), cancellationToken),
            AtomicFile.WriteTextAsync(Path.Combine(outputDirectory, "vad.rttm"), TranscriptFormats.Rttm(Path.GetFileNameWithoutExtension(file), result.Speech), cancellationToken),
            AtomicFile.WriteTextAsync(Path.Combine(outputDirectory, "summary.txt"), SummaryText(summary), cancellationToken));
        await PdfReport.WriteAsync(Path.Combine(outputDirectory, "report.pdf"), new ReportContent(
            $"Report: {Path.GetFileName(file)}", Facts(result), transcript, summary, result.Speech), cancellationToken);
        var rtf = watch.Elapsed.TotalSeconds / Math.Max(0.001, transcript.Duration.TotalSeconds);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done in {watch.Elapsed.TotalSeconds:0.0} s (real-time factor {rtf:0.00}): {result.Speech.Count} speech segments, {transcript.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length} words"));
        return (result, summary);
    }

    private static string SummaryText(Summary summary) =>
        $"{summary.Text}\n\nKeywords: {string.Join(", ", summary.Keywords.Select(k => k.Word))}\n";

    private static List<(string, string)> Facts(TranscriptionResult result)
    {
        var media = result.Media;
        var facts = new List<(string, string)>
        {
            ("File", Path.GetFileName(media.Path)),
            ("Container", media.Container),
            ("Duration", TranscriptFormats.Time(result.Transcript.Duration, '.')),
            ("Size", $"{media.SizeBytes / 1024.0 / 1024.0:0.0} MB"),
        };
        facts.AddRange(media.Streams.Select(s => ($"Stream {s.Index}", s.Kind switch
        {
            Media.Ffmpeg.StreamKind.Audio => $"audio {s.Codec}, {s.SampleRate} Hz, {s.Channels} ch",
            Media.Ffmpeg.StreamKind.Video => $"video {s.Codec}, {s.Width}×{s.Height}, {s.FrameRate:0.##} fps",
            _ => s.Codec,
        })));
        facts.Add(("Engine", $"{result.Transcript.Engine} ({result.Transcript.Model}), Silero VAD v5"));
        return facts;
    }
}
