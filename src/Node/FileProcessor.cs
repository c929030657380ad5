using System.Diagnostics;
using System.Globalization;
using MediaCluster.Actors.Hosting;
using MediaCluster.Media;
using MediaCluster.Media.Reports;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Node;

/// <summary>
/// One file as one job on an embedded node (actors, SQLite journal in a private temporary folder): probe,
/// speech detection streamed to the ASR slots, results recorded, then summary and artifacts.
/// </summary>
public static class FileProcessor
{
    /// <summary>Runs the job; returns the transcript and summary it wrote. A failed job throws with its reason.</summary>
    public static async Task<(Transcript Transcript, string Summary)> ProcessAsync(
        string file, string outputDirectory, TextWriter progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var data = Directory.CreateTempSubdirectory("mc-node-data-");
        try
        {
            await using var node = await EmbeddedNode.StartAsync(data.FullName);
            var spec = new JobSpec { JobId = "process", InputPath = Path.GetFullPath(file), OutputDir = Path.GetFullPath(outputDirectory) };
            progress.WriteLine($"processing '{file}' as a job on an embedded node ({Environment.ProcessorCount} ASR slots)");
            var last = string.Empty;
            var end = await node.Jobs.RunAsync(spec, new LineProgress(p =>
            {
                if (p.IsTerminal)
                {
                    return; // the end is reported once, below (or as the error)
                }

                var line = string.Create(CultureInfo.InvariantCulture,
                    $"  {JobInfo.StateName(p.State)}: {p.SegmentsFound} speech segments found{(p.SpeechDetectionComplete ? " (all)" : string.Empty)}, {p.SegmentsTranscribed} transcribed")
                    + (p.ScenesFound > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {p.ScenesFound} scenes, {p.ScenesClassified} labelled") : string.Empty);
                if (line != last)
                {
                    last = line;
                    progress.WriteLine(line);
                }
            }), cancellationToken);
            if (end.State != JobState.Completed)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, end.Error is { Length: > 0 } reason ? reason : JobInfo.StateName(end.State));
            }

            var transcript = TranscriptFormats.ParseJson(await File.ReadAllTextAsync(Path.Combine(outputDirectory, JobOutput.TranscriptJson.Name), cancellationToken));
            var summary = await File.ReadAllTextAsync(Path.Combine(outputDirectory, JobOutput.SummaryText.Name), cancellationToken);
            var rtf = watch.Elapsed.TotalSeconds / Math.Max(0.001, transcript.Duration.TotalSeconds);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"done in {watch.Elapsed.TotalSeconds:0.0} s (real-time factor {rtf:0.00}): {end.SegmentsFound} speech segments, {transcript.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length} words{(transcript.Speakers is { } speakers ? $", {speakers.Speakers.Count} speaker(s)" : string.Empty)}{(end.ScenesFound > 0 ? $", {end.ScenesFound} scenes" : string.Empty)}"));
            return (transcript, summary);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private sealed class LineProgress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
