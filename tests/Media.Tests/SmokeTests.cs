using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Clip_ThroughVadAndAsr_Works()
    {
        using var vad = new SileroVad();
        using var asr = new PocketSphinxRecognizer(concurrency: 1);
        var detector = new VoiceActivityDetector(vad);
        var (path, text) = LibriVox.Clips[0];
        var segments = await detector.DetectAsync(AudioDecoder.DecodeAsync(path)).ToListAsync();
        var all = new List<string>();
        foreach (var s in segments)
        {
            var r = await asr.RecognizeAsync(s.Samples);
            all.Add(r.Text);
            Console.WriteLine($"{s.Start} {s.End} {r.Text} {r.Confidence}");
        }

        var wer = WordErrorRate.Percent(text, string.Join(' ', all));
        Console.WriteLine($"WER {wer}");
        Assert.True(wer < 50, $"WER {wer}: {string.Join(' ', all)}");
    }
}
