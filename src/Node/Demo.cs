using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;

namespace MediaCluster.Node;

/// <summary>Makes a sample video (LibriVox speech over an ffmpeg test pattern), processes it, and shows the results.</summary>
internal static class Demo
{
    public static async Task RunAsync(string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var speech = Path.Combine(outputDirectory, "sample-speech.wav");
        var video = Path.Combine(outputDirectory, "sample.mp4");
        Console.Error.WriteLine("making a sample video: the LibriVox clips of pocketsphinx-testdata over an ffmpeg test pattern");
        var sample = await SpeechSampleMaker.WriteAsync(speech, TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        await FfmpegRunner.RunAsync(
            ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-i", speech, "-shortest",
             "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", video],
            cancellationToken);
        File.Delete(speech);

        var results = Path.Combine(outputDirectory, "results");
        var (transcript, summary) = await FileProcessor.ProcessAsync(video, results, Console.Error, cancellationToken);
        var wer = Media.Asr.WordErrorRate.Percent(sample.ReferenceText, transcript.Text);
        Console.WriteLine();
        Console.WriteLine("Summary:");
        foreach (var line in summary.Trim().Split('\n').Where(line => line.Length > 0))
        {
            Console.WriteLine($"  {line}");
        }
        Console.WriteLine();
        Console.WriteLine("Transcript (start):");
        foreach (var segment in transcript.Segments.Where(s => s.Text.Length > 0).Take(5))
        {
            Console.WriteLine($"  [{Media.Reports.TranscriptFormats.Time(segment.Start, '.')}] {segment.Text}");
        }

        Console.WriteLine();
        Console.WriteLine($"Word error rate against the LibriVox reference text: {wer:0.0}%");
        Console.WriteLine($"Input: {Path.GetFullPath(video)}");
        Console.WriteLine($"Files: {Path.GetFullPath(results)}/{{{string.Join(",", FileProcessor.Outputs)}}}");
        Console.WriteLine();
        Console.WriteLine("Next: serve a node with `./mc node run`, then `./mc pbm media submit FILE --wait` (see README).");
    }
}
