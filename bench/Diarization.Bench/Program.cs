using System.Diagnostics;
using System.Globalization;
using MediaCluster.Bench;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Vad;

// ./mc bench diarization [--quick] [--no-asr] [--seeds N] [--lambda A,B,…] [--embedding-model FILE [--threshold T]]
// (--lambda: also the speakers found with those BIC penalty weights; --embedding-model: the voices measured by that
// ONNX speaker-embedding model, as a node with Node:Diarization:EmbeddingModel does, clustered at cosine distance T,
// default 0.5 — how an operator finds their model's threshold; FILE "test": the tests' stand-in model, at its threshold)
// Conversations with known turns among 2, 3 and 4 distinct voices (festival's kal and slt, espeak-ng, the LibriVox
// reader; 5, 7 and 10 minutes; turns of 1–20 s, pauses, 10 % of turns overlapping the one before), each taken through
// what a job does with the engines alone (no actors): Silero VAD's segments, each segment's speaker features (what
// a gpu node measures as it recognises it) and, to weigh their cost, its recognition by pocketsphinx (one decoder);
// then the speakers found as a job finds them at its end (the count found, and the count given). Prints DER (missed +
// false alarm + confusion over the reference's speech, 0.25-s collar, md-eval's definition; the VAD's misses and
// false alarms count), the speakers found, and the diarization work's cost against recognition's.
// The voices are synthetic but one: scores on real meetings (far more voices alike, noise, crosstalk) are worse.
var quick = args.Contains("--quick");
var asr = !args.Contains("--no-asr");
var seeds = Array.IndexOf(args, "--seeds") is var at and >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var n) ? n : 1;
var lambdas = Array.IndexOf(args, "--lambda") is var l and >= 0 && l + 1 < args.Length
    ? args[l + 1].Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray()
    : null;
var work = BenchTools.FreshWorkFolder("diarization");
var cache = Path.Combine(BenchTools.Root(), ".artifacts", "bench-cache", "voices");
var modelAt = Array.IndexOf(args, "--embedding-model");
var modelFile = modelAt >= 0 && modelAt + 1 < args.Length ? args[modelAt + 1] : null;
var threshold = Array.IndexOf(args, "--threshold") is var t and >= 0 && t + 1 < args.Length
    ? double.Parse(args[t + 1], CultureInfo.InvariantCulture)
    : modelFile == "test" ? MediaCluster.Testing.SpeakerEmbeddingModel.Threshold : 0.5;
if (modelFile == "test")
{
    modelFile = Path.Combine(work, "stand-in.onnx");
    await MediaCluster.Testing.SpeakerEmbeddingModel.WriteAsync(modelFile, cache);
}

using var speakerModel = modelFile is null ? null : new SpeakerEmbedder(modelFile, threshold);
var voices = Voice.Available.ToDictionary(v => v.Name);
(int Speakers, string[] Voices, double Minutes)[] conversations = quick
    ? [(2, ["kal", "slt"], 3)]
    : [(2, ["kal", "slt"], 5), (3, ["kal", "slt", "espeak"], 7), (4, ["kal", "slt", "espeak", "librivox"], 10)];
using var vad = new SileroVad();
using var recognizer = new PocketSphinxRecognizer(concurrency: 1);
await recognizer.WarmUpAsync();
double recognition = 0, features = 0, clustering = 0, audioSeconds = 0;
var countRight = 0;
var runs = 0;
foreach (var (speakers, names, minutes) in conversations)
{
    var found = new List<double>();
    var given = new List<double>();
    for (var seed = 0; seed < seeds; seed++)
    {
        Console.Error.WriteLine($"# {speakers} speakers ({string.Join(", ", names)}), {minutes} min, seed {seed}: making the conversation");
        var conversation = await ConversationMaker.WriteAsync(
            Path.Combine(work, $"conversation-{speakers}-{seed}.wav"), [.. names.Select(v => voices[v])], TimeSpan.FromMinutes(minutes), seed: 1000 + (100 * speakers) + seed, cache: cache);
        var audio = await AudioDecoder.DecodeAsync(conversation.Path).ToListAsync();
        var segments = await new VoiceActivityDetector(vad).DetectAsync(audio.ToAsyncEnumerable()).ToListAsync();
        audioSeconds += conversation.Duration.TotalSeconds;
        Console.Error.WriteLine($"#   {conversation.Duration.TotalSeconds:0} s, {conversation.Turns.Count} turns, {segments.Count} speech segments");

        var watch = Stopwatch.StartNew();
        if (asr)
        {
            foreach (var segment in segments)
            {
                await recognizer.RecognizeAsync(segment.Samples!);
            }

            recognition += watch.Elapsed.TotalSeconds;
        }

        watch.Restart();
        var measured = segments.Select(s => speakerModel is null
            ? new SegmentVoice(s.Start, s.End, SpeakerFeatures.OfPcm16(s.Samples))
            : new SegmentVoice(s.Start, s.End, speakerModel.Embed(s.Samples), new VoiceModel(speakerModel.Id, speakerModel.Threshold))).ToList();
        features += watch.Elapsed.TotalSeconds;
        watch.Restart();
        foreach (var lambda in lambdas ?? [])
        {
            var tried = Diarizer.Diarize(measured, new SpeakerCount(), lambda);
            Console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture, $"#   lambda {lambda}: {tried.Select(t => t.Speaker).Distinct().Count()} speakers, DER {DiarizationError.Score(conversation.Turns, tried).Rate:P1}"));
        }

        var turns = Diarizer.Diarize(measured, new SpeakerCount());
        clustering += watch.Elapsed.TotalSeconds;
        var error = DiarizationError.Score(conversation.Turns, turns);
        var count = turns.Select(t => t.Speaker).Distinct().Count();
        countRight += count == speakers ? 1 : 0;
        runs++;
        found.Add(error.Rate);
        var told = DiarizationError.Score(conversation.Turns, Diarizer.Diarize(measured, new SpeakerCount(Count: speakers)));
        given.Add(told.Rate);
        Console.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"#   found {count} speakers; DER {error.Rate:P1} (missed {error.MissedSeconds / error.ScoredSeconds:P1}, false alarm {error.FalseAlarmSeconds / error.ScoredSeconds:P1}, confusion {error.ConfusionSeconds / error.ScoredSeconds:P1}); count given: DER {told.Rate:P1}"));
        BenchTools.Print($"speakers_found_{speakers}_seed{seed}", count);
    }

    BenchTools.Print($"der_{speakers}_speakers", found.Average());
    BenchTools.Print($"der_{speakers}_speakers_count_given", given.Average());
}

BenchTools.Print("speaker_count_accuracy", countRight / (double)runs);
BenchTools.Print("clustering_seconds", clustering);

// The clustering's cost at the scale of a three-hour recording: 5 000 segments of 1–12 windows from six made-up voices.
var random = new Random(5);
var means = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, SpeakerFeatures.Dimensions).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
var made = Enumerable.Range(0, 5000).Select(i =>
{
    var voice = means[random.Next(means.Length)];
    var windows = Enumerable.Range(0, 1 + random.Next(12)).Select(w => (w * SpeakerFeatures.HopFrames, voice.Select(v => v + (float)(random.NextDouble() * 0.2)).ToArray())).ToList();
    return new SegmentVoice(TimeSpan.FromSeconds(i * 10.0), TimeSpan.FromSeconds((i * 10.0) + 1.5 + (0.75 * (windows.Count - 1))), windows);
}).ToList();
var large = Stopwatch.StartNew();
var largeTurns = Diarizer.Diarize(made, new SpeakerCount());
BenchTools.Print("clustering_seconds_5000_segments", large.Elapsed.TotalSeconds);
BenchTools.Print("speakers_found_5000_segments_of_6", largeTurns.Select(t => t.Speaker).Distinct().Count());
BenchTools.Print("diarization_realtime_factor", (features + clustering) / audioSeconds);
if (asr)
{
    BenchTools.Print("recognition_realtime_factor", recognition / audioSeconds);
    BenchTools.Print("diarization_cost_vs_recognition", (features + clustering) / recognition);
}

return 0;
