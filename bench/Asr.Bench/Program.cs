using System.Diagnostics;
using System.Globalization;
using MediaCluster.Media;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Vad;

// ./mc bench asr [FILE REF]: decode → VAD → recognition on every core, against pocketsphinx_continuous on
// the same audio in the same run. Prints "name: value" lines; commentary on stderr.
string file;
string reference;
if (args.Length >= 2)
{
    file = args[0];
    reference = File.Exists(args[1]) ? File.ReadAllText(args[1]) : args[1];
}
else
{
    var directory = Path.Combine(FindRoot(), ".artifacts", "bench");
    file = Path.Combine(directory, "librivox-8min.wav");
    Console.Error.WriteLine("# generating an ~8-minute recording from the LibriVox clips (gaps 0.1–1 s)");
    var sample = await SpeechSampleMaker.WriteAsync(file, TimeSpan.FromMinutes(8));
    reference = sample.ReferenceText;
    await File.WriteAllTextAsync(Path.Combine(directory, "librivox-8min.txt"), reference);
}

using var vad = new SileroVad();
using var recognizer = new PocketSphinxRecognizer();
await recognizer.WarmUpAsync();
var transcriber = new Transcriber(vad, recognizer);
Console.Error.WriteLine($"# ours: {recognizer.Concurrency} pocketsphinx decoders, Silero VAD on {vad.Provider}");
var watch = Stopwatch.StartNew();
var result = await transcriber.TranscribeAsync(file);
watch.Stop();
var ours = watch.Elapsed.TotalSeconds;
var wer = WordErrorRate.Percent(reference, result.Transcript.Text);
var peakRss = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);

Console.Error.WriteLine("# baseline: pocketsphinx_continuous on a 16 kHz mono copy");
var wav = Path.Combine(Path.GetTempPath(), $"mc-bench-{Guid.NewGuid():N}.wav");
await FfmpegRunner.RunAsync(["-i", file, "-ac", "1", "-ar", "16000", "-acodec", "pcm_s16le", wav]);
watch.Restart();
var baselineText = await RunAsync("pocketsphinx_continuous", ["-infile", wav, "-logfn", "/dev/null"]);
watch.Stop();
File.Delete(wav);
var baseline = watch.Elapsed.TotalSeconds;
var baselineWer = WordErrorRate.Percent(reference, baselineText);

Print("audio_seconds", result.Transcript.Duration.TotalSeconds);
Print("segments", result.Speech.Count);
Print("wer_percent", wer);
Print("baseline_wer_percent", baselineWer);
Print("seconds", ours);
Print("baseline_seconds", baseline);
Print("speedup", baseline / ours);
Print("peak_rss_mb", peakRss);
return 0;

static void Print(string name, double value) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {value:0.###}"));

static async Task<string> RunAsync(string tool, string[] arguments)
{
    var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in arguments)
    {
        info.ArgumentList.Add(a);
    }

    using var process = Process.Start(info)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var errors = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await errors}");
    }

    return await output;
}

static string FindRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
    {
        if (File.Exists(Path.Combine(d.FullName, "Cluster.sln")))
        {
            return d.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
