using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;

namespace MediaCluster.Node;

/// <summary>
/// Makes a sample video (a conversation of the LibriVox reader and festival's slt voice over generated shots: held,
/// panned, pushed in and pulled out, 5 s each), processes it, and shows the results.
/// </summary>
internal static class Demo
{
    public static async Task RunAsync(string outputDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var speech = Path.Combine(outputDirectory, "sample-speech.wav");
        var video = Path.Combine(outputDirectory, "sample.mp4");
        var shots = Path.Combine(outputDirectory, "sample-shots.mp4");
        Console.Error.WriteLine("making a sample video: the LibriVox reader of pocketsphinx-testdata and festival's slt voice taking turns, over generated shots");
        var sample = await ConversationMaker.WriteAsync(
            speech, [Voice.Available.Single(v => v.Name == "librivox"), Voice.Available.Single(v => v.Name == "slt")], TimeSpan.FromSeconds(60), seed: 5, overlap: 0,
            cache: Path.Combine(outputDirectory, "voices"), cancellationToken: cancellationToken);
        var scenes = await ShotClips.WriteScenesAsync(
            shots, [.. Enumerable.Range(0, (int)Math.Ceiling(sample.Duration.TotalSeconds / 5)).Select(i => (ShotMovement.Labels[i % 4], TimeSpan.FromSeconds(5)))], seed: 11, cancellationToken: cancellationToken);
        await FfmpegRunner.RunAsync(
            ["-i", shots, "-i", speech, "-shortest", "-c:v", "copy", "-c:a", "aac", "-b:a", "96k", video],
            cancellationToken);
        File.Delete(speech);
        File.Delete(shots);
        Directory.Delete(Path.Combine(outputDirectory, "voices"), recursive: true);

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
        foreach (var cue in transcript.Cues().Take(6))
        {
            Console.WriteLine($"  [{Media.Reports.TranscriptFormats.Time(cue.Start, '.')}] {Media.Reports.TranscriptFormats.Spoken(cue)}");
        }

        Console.WriteLine();
        Console.WriteLine($"Word error rate against the reference text: {wer:0.0}%");
        if (transcript.Speakers is { } speakers)
        {
            var error = Media.Diarization.DiarizationError.Score(sample.Turns, speakers.Turns);
            Console.WriteLine(
                $"Speakers: {string.Join(", ", speakers.SpeakingTime().Select(s => $"{s.Speaker} {s.Time.TotalSeconds:0} s ({(error.Mapping.TryGetValue(s.Speaker, out var voice) ? voice : "?")})"))}; "
                + $"diarization error rate against the made turns {error.Rate * 100:0.0}% (rename: pbm media speakers ID rename spk1 NAME)");
        }
        Console.WriteLine($"Input: {Path.GetFullPath(video)}");
        Console.WriteLine();
        Console.WriteLine("Scenes (made as → labelled):");
        var labelled = Media.Video.SceneFormats.ParseCsv(await File.ReadAllTextAsync(Path.Combine(results, Media.Reports.JobOutput.ScenesCsv.Name), cancellationToken));
        foreach (var (index, start, label) in labelled)
        {
            var made = scenes.FirstOrDefault(s => s.Start <= start + TimeSpan.FromSeconds(0.5) && start < s.End).Movement;
            Console.WriteLine($"  #{index + 1} at {start.TotalSeconds:0.0} s: {made ?? "?"} → {label}");
        }

        Console.WriteLine($"Files: {Path.GetFullPath(results)}/{{{string.Join(",", Media.Reports.JobOutput.Of(video: true).Select(a => a.Name))}}}");
        Console.WriteLine();
        Console.WriteLine("Next: serve a node with `./mc node run`, then `./mc pbm media submit FILE --wait` (see README).");
    }
}
