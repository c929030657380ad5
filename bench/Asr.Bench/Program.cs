using System.Diagnostics;
using MediaCluster.Bench;
using MediaCluster.Media;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Vad;

// ./mc bench asr [FILE REF]: decode → VAD → recognition on every core, against pocketsphinx_continuous on
// the same audio in the same run. Prints "name: value" lines; commentary on stderr.
var (file, reference) = await BenchTools.SpeechInputAsync(args);

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
var (baselineText, _) = await BenchTools.RunAsync("pocketsphinx_continuous", ["-infile", wav, "-logfn", "/dev/null"]);
watch.Stop();
File.Delete(wav);
var baseline = watch.Elapsed.TotalSeconds;
var baselineWer = WordErrorRate.Percent(reference, baselineText);

BenchTools.Print("audio_seconds", result.Transcript.Duration.TotalSeconds);
BenchTools.Print("segments", result.Speech.Count);
BenchTools.Print("wer_percent", wer);
BenchTools.Print("baseline_wer_percent", baselineWer);
BenchTools.Print("seconds", ours);
BenchTools.Print("baseline_seconds", baseline);
BenchTools.Print("speedup", baseline / ours);
BenchTools.Print("peak_rss_mb", peakRss);
return 0;
