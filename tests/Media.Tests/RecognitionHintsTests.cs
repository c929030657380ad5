using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;

namespace MediaCluster.Media.Tests;

/// <summary>vosk's phrase_list and max_alternatives on pocketsphinx's streaming form.</summary>
public sealed class RecognitionHintsTests : IDisposable
{
    private static readonly string[] Digits = ["one", "two", "three", "four", "five"];
    private readonly string _cache = Directory.CreateTempSubdirectory("mc-hints-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public async Task PhraseList_RestrictsTheStreamToItsPhrases_ThenTheDecoderIsBackOnTheLanguageModel()
    {
        var digits = await SpokenAsync("three five one");
        var clip = await ClipAsync(4);
        using var recognizer = new PocketSphinxRecognizer(concurrency: 1);
        var unrestricted = await recognizer.RecognizeAsync(clip);
        var hints = new RecognitionHints([.. Digits, "Two Three", "zorblax one", "one-two"], 0); // the last two have words the dictionary lacks

        var (heard, partials) = await StreamAsync(recognizer, hints, digits);
        var (english, _) = await StreamAsync(recognizer, hints, clip);

        Assert.Equal("three five one", heard.Text);
        Assert.All(partials.SelectMany(p => p.Split(' ', StringSplitOptions.RemoveEmptyEntries)), w => Assert.Contains(w, Digits));
        Assert.NotEmpty(english.Words);
        Assert.All(english.Words, w => Assert.Contains(w.Text, Digits)); // an English sentence heard as digits: the grammar rules
        Assert.Null(english.Alternatives);

        // The same decoder, back in the pool, recognises with the language model again: as before the restricted streams.
        Assert.Equal(unrestricted.Text, (await recognizer.RecognizeAsync(clip)).Text);
        Assert.Equal(unrestricted.Text, (await StreamAsync(recognizer, RecognitionHints.None, clip)).Final.Text);
    }

    [Fact]
    public async Task PhraseList_OfUnknownWordsOnly_LeavesTheLanguageModel()
    {
        var clip = await ClipAsync(1);
        using var recognizer = new PocketSphinxRecognizer(concurrency: 1);

        var (final, _) = await StreamAsync(recognizer, new RecognitionHints(["zorblax", "qwertyuiop plugh"], 0), clip);

        Assert.Equal((await recognizer.RecognizeAsync(clip)).Text, final.Text);
    }

    [Fact]
    public async Task MaxAlternatives_AreDistinctHypotheses_TheFinalFirst_SharesSummingToOne_EachWithItsWords()
    {
        var clip = await ClipAsync(4);
        using var recognizer = new PocketSphinxRecognizer(concurrency: 1);

        var (final, _) = await StreamAsync(recognizer, new RecognitionHints([], 4), clip);

        var alternatives = final.Alternatives!;
        Assert.Equal(4, alternatives.Count);
        Assert.Equal(alternatives.Count, alternatives.Select(a => a.Text).Distinct().Count());
        Assert.Equal(alternatives.OrderByDescending(a => a.Confidence).Select(a => a.Text), alternatives.Select(a => a.Text));
        Assert.Equal(final.Words, alternatives[0].Words);
        Assert.InRange(alternatives.Sum(a => a.Confidence), 0.9999, 1.0001);
        Assert.Equal(final.Text, alternatives[0].Text);
        var length = TimeSpan.FromSeconds(clip.Length / 16000.0);
        Assert.All(alternatives, a =>
        {
            Assert.Equal(a.Text, string.Join(' ', a.Words.Select(w => w.Text)));
            Assert.All(a.Words, w => Assert.True(w.Start >= TimeSpan.Zero && w.Start < w.End && w.End <= length, $"{w.Text} {w.Start}-{w.End}"));
        });
        Assert.True(WordErrorRate.Percent(final.Text, alternatives[1].Text) is > 0 and <= 50, alternatives[1].Text);
    }

    private static async Task<(Recognition Final, List<string> Partials)> StreamAsync(ISpeechRecognizer recognizer, RecognitionHints hints, short[] samples)
    {
        using var stream = await recognizer.StartStreamAsync(hints);
        var partials = new List<string>();
        for (var i = 0; i < samples.Length; i += 1600)
        {
            partials.Add(stream.Accept(samples.AsSpan(i, Math.Min(1600, samples.Length - i))));
        }

        return (stream.Finish(), partials);
    }

    private static async Task<short[]> ClipAsync(int index) =>
        (await AudioDecoder.DecodeAsync(SpeechSampleMaker.LibriVoxClips()[index].Path).ToListAsync()).SelectMany(c => c.Samples).ToArray();

    /// <summary>Festival's kal saying <paramref name="text"/>, with 0.3 s of silence either side.</summary>
    private async Task<short[]> SpokenAsync(string text)
    {
        var speech = await ConversationMaker.SpeakAsync(Voice.Available.Single(v => v.Name == "kal"), text, _cache);
        var silence = new short[4800];
        return [.. silence, .. speech.Select(s => (short)Math.Clamp(s * 32767, short.MinValue, short.MaxValue)), .. silence];
    }
}
