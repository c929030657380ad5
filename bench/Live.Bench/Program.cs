using System.Diagnostics;
using MediaCluster.Cli;
using MediaCluster.Bench;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

// ./mc bench live: speech streamed at real time into one embedded node process over /ws/live, as a microphone would
// (0.1-s frames, each sent once its audio has "happened"). One stream first: partial latency (from the frame that
// completes a word to the first partial showing it) and final latency (from the end of an utterance's last word to its
// final, which includes the 0.8-s end-of-utterance silence by design), and the WER of the finals against the session's
// own batch job. Then 2, 3, 4, 6, 8 concurrent streams until p95 partial latency passes 1 s. Baseline, in the same
// run: pocketsphinx_continuous on the same audio, whose real-time factor gives the ceiling of streams these cores
// could decode (cores ÷ RTF).
AppDomain.CurrentDomain.ProcessExit += (_, _) => NodeProcess.KillAll();
var root = BenchTools.Root();
var work = BenchTools.FreshWorkFolder("live");
var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(work, "talk.wav"), TimeSpan.FromSeconds(40), minGap: 1.0, maxGap: 1.5);
var pcm = (await File.ReadAllBytesAsync(sample.Path))[44..];
Console.Error.WriteLine($"# {sample.Duration.TotalSeconds:0.0} s of LibriVox speech, streamed at real time");

var watch = Stopwatch.StartNew();
var (baselineText, _) = await BenchTools.RunAsync("pocketsphinx_continuous", ["-infile", sample.Path, "-logfn", "/dev/null"]);
var baselineRtf = watch.Elapsed.TotalSeconds / sample.Duration.TotalSeconds;
var ceiling = Environment.ProcessorCount / baselineRtf;

var nodeDll = Path.Combine(root, "src", "Node", "bin", "Release", "net10.0", "MediaCluster.Node.dll");
var node = await NodeProcess.StartAsync(nodeDll, Path.Combine(work, "node"), ["--Node:Live:MaxStreams", "16", "--Node:Live:MaxSessions", "16"], requestTimeout: TimeSpan.FromSeconds(30));
var api = node.Client.BaseAddress!;
var token = node.PbmTarget.Token;

var one = (await RunStreamsAsync(1))[0];
BenchTools.Print("partial_latency_p50_seconds", Quantile(one.Partials, 0.5));
BenchTools.Print("partial_latency_p95_seconds", Quantile(one.Partials, 0.95));
BenchTools.Print("final_latency_p50_seconds", Quantile(one.Finals, 0.5));
BenchTools.Print("final_latency_p95_seconds", Quantile(one.Finals, 0.95));
var batch = MediaCluster.Media.Reports.TranscriptFormats.ParseJson(
    await File.ReadAllTextAsync(Path.Combine(node.DataDirectory, "results", one.Job, MediaCluster.Media.Reports.JobOutput.TranscriptJson.Name))).Text; // the words, without speakers
var liveWer = WordErrorRate.Percent(sample.ReferenceText, one.Text);
var batchWer = WordErrorRate.Percent(sample.ReferenceText, batch);
BenchTools.Print("live_wer_percent", liveWer);
BenchTools.Print("batch_wer_percent", batchWer);
BenchTools.Print("live_vs_batch_wer_percent", WordErrorRate.Percent(batch, one.Text));
BenchTools.Print("baseline_pocketsphinx_continuous_wer_percent", WordErrorRate.Percent(sample.ReferenceText, baselineText));

var sustained = 1;
foreach (var count in new[] { 2, 3, 4, 6, 8 })
{
    var results = await RunStreamsAsync(count);
    var p95 = Quantile([.. results.SelectMany(r => r.Partials)], 0.95);
    var errors = results.Count(r => r.Error is not null);
    Console.Error.WriteLine($"# {count} streams: p95 partial latency {p95:0.00} s, final p95 {Quantile([.. results.SelectMany(r => r.Finals)], 0.95):0.00} s, {errors} errors");
    if (p95 > 1 || errors > 0)
    {
        break;
    }

    sustained = count;
}

BenchTools.Print("streams_with_p95_partial_under_1s", sustained);
BenchTools.Print("baseline_rtf", baselineRtf);
BenchTools.Print("stream_ceiling", ceiling);
BenchTools.Print("streams_vs_ceiling", sustained / ceiling);
BenchTools.Print("live_rtf", await node.MetricAsync("mediacluster_live_realtime_factor"));
node.Kill();

async Task<List<StreamResult>> RunStreamsAsync(int count)
{
    var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => StreamAsync(TimeSpan.FromMilliseconds(137 * i))));

    // Each session became a job; the next round starts once they are done, so their batch work does not load it.
    foreach (var result in results)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while ((await node.JobAsync(result.Job))?.GetProperty("state").GetString() is not ("completed" or "failed") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
    }

    return [.. results];
}

async Task<StreamResult> StreamAsync(TimeSpan offset)
{
    await Task.Delay(offset);
    await using var live = await LiveClient.ConnectAsync(api, token);
    var clock = Stopwatch.StartNew();
    var messages = new List<(double At, LiveMessage Message)>();
    var reading = Task.Run(async () =>
    {
        while (await live.ReadAsync() is { } message)
        {
            lock (messages)
            {
                messages.Add((clock.Elapsed.TotalSeconds, message));
            }
        }
    });
    const int Frame = 3200;
    var sentAt = new List<double>();
    for (var i = 0; i * Frame < pcm.Length; i++)
    {
        var due = TimeSpan.FromSeconds((i + 1) * 0.1) - clock.Elapsed;
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due);
        }

        await live.SendAudioAsync(pcm.AsMemory(i * Frame, Math.Min(Frame, pcm.Length - (i * Frame))));
        sentAt.Add(clock.Elapsed.TotalSeconds);
    }

    await live.SendEofAsync();
    await reading;
    return Measure(messages, sentAt);
}

// Per utterance: the partials' arrival and word counts; each final word's latency is the first partial with that many
// words minus when the frame holding the word's end was sent.
static StreamResult Measure(List<(double At, LiveMessage Message)> messages, List<double> sentAt)
{
    var partialLatencies = new List<double>();
    var finalLatencies = new List<double>();
    var partials = new List<(double At, int Words)>();
    string? job = null, error = null;
    var text = new List<string>();
    double SentAt(double audioSeconds) => sentAt[Math.Clamp((int)(audioSeconds / 0.1), 0, sentAt.Count - 1)];
    foreach (var (at, message) in messages)
    {
        job ??= message.Job;
        error ??= message.Error;
        if (message.Partial is { } partial)
        {
            partials.Add((at, partial.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length));
        }
        else if (message.IsFinal && message.Result is { Count: > 0 } words)
        {
            text.Add(message.Text!);
            for (var w = 0; w < words.Count; w++)
            {
                var shown = partials.FirstOrDefault(p => p.Words > w);
                if (shown != default)
                {
                    partialLatencies.Add(Math.Max(0, shown.At - SentAt(words[w].End)));
                }
            }

            finalLatencies.Add(at - SentAt(words[^1].End));
            partials.Clear();
        }
    }

    return new StreamResult(partialLatencies, finalLatencies, string.Join(' ', text), job ?? throw new InvalidOperationException("no job id"), error);
}

static double Quantile(List<double> values, double q) =>
    values.Count == 0 ? double.NaN : values.Order().ElementAt(Math.Min(values.Count - 1, (int)(q * values.Count)));

internal sealed record StreamResult(List<double> Partials, List<double> Finals, string Text, string Job, string? Error);
