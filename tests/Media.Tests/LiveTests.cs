using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Live;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media.Tests;

[Collection(MediaCollection.Name)]
public sealed class LiveTests(MediaFiles files, Engines engines)
{
    [Fact]
    public async Task Live_FiveClips_PartialsThenFinalsThatMatchTheBatchTranscript()
    {
        var samples = await SamplesOf(files.FiveClips.Path);
        using var live = new LiveTranscriber(engines.Vad, engines.Asr);
        var results = new List<LiveResult>();
        for (var i = 0; i < samples.Length; i += 1600)
        {
            results.AddRange(await live.AcceptAsync(samples.AsMemory(i, Math.Min(1600, samples.Length - i))));
        }

        results.AddRange(live.Flush());
        var finals = results.OfType<LiveFinal>().ToList();
        Assert.True(finals.Count >= 5, $"{finals.Count} finals for 5 clips 1 s apart");
        Assert.IsType<LivePartial>(results[0]);
        Assert.All(finals.Zip(finals.Skip(1)), pair => Assert.True(pair.First.EndSample <= pair.Second.StartSample, "finals overlap"));
        foreach (var final in finals)
        {
            Assert.All(final.Recognition.Words, w => Assert.InRange(w.Start.TotalSeconds * 16000, final.StartSample - 1, final.EndSample + 1));
        }

        // Every clip is heard: each has a final word inside it.
        var words = finals.SelectMany(f => f.Recognition.Words).ToList();
        Assert.All(files.FiveClips.ClipBounds, clip => Assert.Contains(words, w => w.Start >= clip.Start - TimeSpan.FromSeconds(0.2) && w.End <= clip.End + TimeSpan.FromSeconds(0.2)));

        // The same audio as a batch: VAD segments recognised whole.
        var batch = new List<string>();
        await foreach (var segment in new VoiceActivityDetector(engines.Vad).DetectAsync(AudioDecoder.DecodeAsync(files.FiveClips.Path)))
        {
            batch.Add((await engines.Asr.RecognizeAsync(segment.Samples)).Text);
        }

        var liveText = string.Join(' ', finals.Select(f => f.Recognition.Text));
        var wer = WordErrorRate.Percent(string.Join(' ', batch), liveText);
        Assert.True(wer <= 15, $"live vs batch WER {wer:0.0}%\nlive:  {liveText}\nbatch: {string.Join(' ', batch)}");
        Assert.True(WordErrorRate.Percent(files.FiveClips.ReferenceText, liveText) <= 40, liveText);
    }

    [Fact]
    public async Task Live_RestartedAtKeepFrom_LosesNoFinalAndRepeatsNone()
    {
        // The first three clips (the recogniser is the slow part of this test).
        var clips = files.FiveClips.ClipBounds.Take(3).ToList();
        var samples = (await SamplesOf(files.FiveClips.Path))[..(int)((clips[^1].End.TotalSeconds + 0.6) * 16000)];
        List<LiveFinal> whole;
        using (var fresh = new PocketSphinxRecognizer(concurrency: 1))
        {
            whole = await FinalsAsync(fresh, samples, 0, samples.Length);
        }

        // A first transcriber takes the audio up to a second into the second clip, then is lost; a second one starts
        // at the first one's KeepFrom with the audio from there, as a session re-attaching to another worker does.
        var cut = (int)(clips[1].Start.TotalSeconds * 16000) + 16000;
        // Each transcriber gets a recogniser of its own, fresh: a streaming decoder's cepstral mean carries over from the
        // utterances it decoded before, so decoders with different histories hear the same audio a little differently.
        using var recognizer = new PocketSphinxRecognizer(concurrency: 1);
        var first = new LiveTranscriber(engines.Vad, recognizer);
        var before = new List<LiveFinal>();
        for (var i = 0; i < cut; i += 1600)
        {
            before.AddRange((await first.AcceptAsync(samples.AsMemory(i, Math.Min(1600, cut - i)))).OfType<LiveFinal>());
        }

        Assert.True(first.InUtterance, "the cut should fall inside an utterance");
        var keepFrom = first.KeepFrom;
        first.Dispose(); // lost with its worker: its decoder goes back to the pool mid-utterance
        Assert.True(keepFrom < cut && keepFrom >= before[^1].EndSample, $"KeepFrom {keepFrom} outside ({before[^1].EndSample}, {cut})");
        var after = await FinalsAsync(recognizer, samples, keepFrom, samples.Length);
        Assert.All(after, f => Assert.True(f.StartSample >= before[^1].EndSample, "a final repeated"));
        // Every clip is still heard, as many words, and the uninterrupted run's text.
        var words = before.Concat(after).SelectMany(f => f.Recognition.Words).ToList();
        Assert.All(clips, clip => Assert.Contains(words, w => w.Start >= clip.Start - TimeSpan.FromSeconds(0.2) && w.End <= clip.End + TimeSpan.FromSeconds(0.2)));
        var resumed = string.Join(' ', before.Concat(after).Select(f => f.Recognition.Text));
        var uninterrupted = string.Join(' ', whole.Select(f => f.Recognition.Text));
        Assert.True(WordErrorRate.Percent(uninterrupted, resumed) <= 20, $"resumed: {resumed}\nwhole:   {uninterrupted}");
        Assert.InRange(words.Count, whole.Sum(f => f.Recognition.Words.Count) * 0.9, whole.Sum(f => f.Recognition.Words.Count) * 1.1);
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(44100)]
    [InlineData(48000)]
    public void Resampler_KeepsPitchAndLength(int rate)
    {
        var tone = Tone(rate, 440, seconds: 2);
        var resampler = new Pcm16Resampler(rate);
        var output = new List<short>();
        for (var i = 0; i < tone.Length; i += 997)
        {
            output.AddRange(resampler.Process(tone.AsSpan(i, Math.Min(997, tone.Length - i))));
        }

        output.AddRange(resampler.Flush());
        Assert.InRange(output.Count, 32000 - 2, 32000 + 2);
        var crossings = output.Zip(output.Skip(1)).Count(p => (p.First < 0) != (p.Second < 0));
        Assert.InRange(crossings, 1760 - 4, 1760 + 4);
        Assert.InRange(Rms(output.Skip(1000).Take(30000)), 0.95 * Rms(tone), 1.05 * Rms(tone));
    }

    [Fact]
    public void Resampler_RemovesWhatCannotExistAt16kHz()
    {
        // 12 kHz is above 16 kHz's Nyquist frequency: kept, it would come back as an 4 kHz alias.
        var tone = Tone(48000, 12000, seconds: 1);
        var resampler = new Pcm16Resampler(48000);
        var output = resampler.Process(tone).Concat(resampler.Flush()).ToList();
        Assert.True(Rms(output.Skip(500).Take(15000)) < 0.02 * Rms(tone), $"rms {Rms(output)} of {Rms(tone)}");
    }

    [Fact]
    public void Resampler_16kHz_PassesThrough()
    {
        var tone = Tone(16000, 440, seconds: 1);
        Assert.Equal(tone, new Pcm16Resampler(16000).Process(tone));
    }

    private async Task<List<LiveFinal>> FinalsAsync(ISpeechRecognizer recognizer, short[] samples, long from, int to)
    {
        using var live = new LiveTranscriber(engines.Vad, recognizer, startSample: from);
        var finals = new List<LiveFinal>();
        for (var i = (int)from; i < to; i += 1600)
        {
            finals.AddRange((await live.AcceptAsync(samples.AsMemory(i, Math.Min(1600, to - i)))).OfType<LiveFinal>());
        }

        finals.AddRange(live.Flush().OfType<LiveFinal>());
        return finals;
    }

    private static async Task<short[]> SamplesOf(string path) =>
        (await AudioDecoder.DecodeAsync(path).ToListAsync()).SelectMany(c => c.Samples).ToArray();

    private static short[] Tone(int rate, double hz, double seconds) =>
        Enumerable.Range(0, (int)(rate * seconds)).Select(i => (short)(8000 * Math.Sin(2 * Math.PI * hz * i / rate))).ToArray();

    private static double Rms(IEnumerable<short> samples) => Math.Sqrt(samples.Select(s => (double)s * s).Average());
}
