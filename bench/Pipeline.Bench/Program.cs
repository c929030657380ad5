using System.Diagnostics;
using MediaCluster.Bench;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Samples;

// ./mc bench pipeline [FILE REF]: `mc node process` (the actor pipeline on an embedded node) as its own
// process against pocketsphinx_continuous on the same audio, then a 60-minute input for peak memory.
var root = BenchTools.Root();
var work = Path.Combine(root, ".artifacts", "bench");
Directory.CreateDirectory(work);
var (file, reference) = await BenchTools.SpeechInputAsync(args);

var node = Path.Combine(root, "src", "Node", "bin", "Release", "net10.0", "MediaCluster.Node.dll");
var (seconds, rss, text) = await ProcessAsync(file, Path.Combine(work, "pipeline-out"));

await BenchTools.PrintAgainstBaselineAsync(file, reference, seconds, text);
BenchTools.Print("peak_rss_mb", rss);

if (!args.Contains("--skip-60min"))
{
    Console.Error.WriteLine("# generating a 60-minute recording for the memory figure");
    var longFile = Path.Combine(work, "librivox-60min.wav");
    await SpeechSampleMaker.WriteAsync(longFile, TimeSpan.FromMinutes(60));
    var (longSeconds, longRss, _) = await ProcessAsync(longFile, Path.Combine(work, "pipeline-out-60min"));
    File.Delete(longFile);
    BenchTools.Print("seconds_60min", longSeconds);
    BenchTools.Print("peak_rss_mb_60min", longRss);
    BenchTools.Print("peak_rss_60min_vs_8min_ratio", longRss / rss);
}

return 0;

async Task<(double Seconds, double PeakRssMb, string Text)> ProcessAsync(string input, string output)
{
    Console.Error.WriteLine($"# ours: mc node process {Path.GetFileName(input)}");
    var stopwatch = Stopwatch.StartNew();
    var (_, peak) = await BenchTools.RunAsync("dotnet", [node, "process", input, "--out", output]);
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    var transcript = TranscriptFormats.ParseJson(await File.ReadAllTextAsync(Path.Combine(output, JobOutput.TranscriptJson.Name)));
    return (elapsed, peak, transcript.Text);
}
