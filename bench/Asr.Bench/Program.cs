using System.Diagnostics;
using MediaCluster.Bench;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Vad;
using MediaCluster.Testing;

// ./mc bench asr [FILE REF] [--engine whisper --model FILE] [--seconds N]
// The engines alone (no actors), on the VAD segments of one recording: decode + Silero VAD + pocketsphinx on every core
// against pocketsphinx_continuous on the same audio (time and WER), then one segment at a time: pocketsphinx's
// real-time factor, then whisper's with 1 and 2 threads on the first N seconds of speech (and pocketsphinx's on the same
// segments); with --seconds covering the whole recording and a real model, whisper's WER too. Without --model, whisper runs a generated file with the exact shapes of base.en and random weights:
// its compute cost is honest, its words are not (it is not scored).
var modelArgument = Option("--model");
var engine = Option("--engine") ?? "whisper";
if (engine is not ("whisper" or "pocketsphinx"))
{
    Console.Error.WriteLine($"unknown --engine '{engine}' (pocketsphinx or whisper)");
    return 2;
}

var whisperSeconds = double.Parse(Option("--seconds") ?? "60", System.Globalization.CultureInfo.InvariantCulture);
var (file, reference) = await BenchTools.SpeechInputAsync(args);
var work = Path.Combine(BenchTools.Root(), ".artifacts", "bench");

Console.Error.WriteLine("# decoding and detecting speech (Silero VAD)");
var total = Stopwatch.StartNew();
var audio = await AudioDecoder.DecodeAsync(file).ToListAsync();
var decodeSeconds = total.Elapsed.TotalSeconds;
var seconds = audio.Sum(c => c.Samples.Length) / 16000.0;
using var vad = new SileroVad();
var watch = Stopwatch.StartNew();
var segments = await new VoiceActivityDetector(vad).DetectAsync(audio.ToAsyncEnumerable()).ToListAsync();
var vadSeconds = watch.Elapsed.TotalSeconds;
var speech = segments.Sum(s => s.Samples!.Length) / 16000.0;
BenchTools.Print("audio_seconds", seconds);
BenchTools.Print("speech_segments", segments.Count);
BenchTools.Print("vad_realtime_factor", vadSeconds / seconds);

Console.Error.WriteLine($"# pocketsphinx on every core ({Environment.ProcessorCount} decoders), every segment");
using (var pool = new PocketSphinxRecognizer())
{
    await pool.WarmUpAsync();
    watch.Restart();
    var texts = await Task.WhenAll(segments.Select(s => pool.RecognizeAsync(s.Samples)));
    var oursSeconds = decodeSeconds + vadSeconds + watch.Elapsed.TotalSeconds;

    await BenchTools.PrintAgainstBaselineAsync(file, reference, oursSeconds, string.Join(' ', texts.Select(t => t.Text)));
}

Console.Error.WriteLine("# pocketsphinx, one decoder, every segment");
using var pocketsphinx = new PocketSphinxRecognizer(concurrency: 1);
await pocketsphinx.WarmUpAsync();
var (psSeconds, _) = await RecognizeAsync(pocketsphinx, segments);
BenchTools.Print("pocketsphinx_realtime_factor", psSeconds / speech);

var subset = segments.TakeWhile((_, i) => segments.Take(i).Sum(s => s.Samples!.Length) / 16000.0 < whisperSeconds).ToList();
var subsetSpeech = subset.Sum(s => s.Samples!.Length) / 16000.0;
var (psSubset, _) = await RecognizeAsync(pocketsphinx, subset);
BenchTools.Print("whisper_subset_speech_seconds", subsetSpeech);
BenchTools.Print("pocketsphinx_subset_realtime_factor", psSubset / subsetSpeech);

if (engine == "pocketsphinx")
{
    return 0;
}

var model = modelArgument;
if (model is null)
{
    model = Path.Combine(work, "ggml-synthetic-base.en.bin");
    Console.Error.WriteLine("# writing a base.en-shaped ggml file with random weights (compute cost only: its words mean nothing)");
    SyntheticWhisperModel.Write(model, WhisperShape.BaseEn);
}

foreach (var threads in new[] { 1, 2 })
{
    // A random-weight model never passes whisper's quality checks, so temperature fallback would decode every segment six
    // times; a real model rarely falls back. The synthetic run decodes once, and still emits the maximum tokens per segment.
    using var whisper = new WhisperRecognizer(new WhisperOptions { ModelPath = model, Threads = threads, TemperatureFallback = modelArgument is not null }, concurrency: 1);
    Console.Error.WriteLine($"# whisper {whisper.Model}, {threads} thread(s), the first {subsetSpeech:0} s of speech ({subset.Count} segments)");
    var (whisperSecondsTaken, whisperText) = await RecognizeAsync(whisper, subset);
    BenchTools.Print($"whisper_{threads}_threads_realtime_factor", whisperSecondsTaken / subsetSpeech);
    BenchTools.Print($"whisper_{threads}_threads_vs_pocketsphinx_time", whisperSecondsTaken / psSubset);
    if (modelArgument is not null && threads == 1 && subset.Count == segments.Count)
    {
        BenchTools.Print("whisper_wer_percent", WordErrorRate.Percent(reference, whisperText));
    }
}

if (modelArgument is null)
{
    Console.WriteLine("note: whisper ran a random-weight file of base.en's shapes: real compute per segment, meaningless words, no WER");
    File.Delete(model);
}

return 0;

async Task<(double Seconds, string Text)> RecognizeAsync(ISpeechRecognizer recognizer, IReadOnlyList<SpeechSegment> list)
{
    var stopwatch = Stopwatch.StartNew();
    var texts = new List<string>();
    foreach (var segment in list)
    {
        texts.Add((await recognizer.RecognizeAsync(segment.Samples)).Text);
    }

    return (stopwatch.Elapsed.TotalSeconds, string.Join(' ', texts));
}

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
