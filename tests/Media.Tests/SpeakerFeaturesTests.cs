using System.Diagnostics;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Tests;

/// <summary>The speaker features: their framing, and that they tell real (synthetic) voices apart across sentences.</summary>
public sealed class SpeakerFeaturesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-voices-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Frames_Every10ms_Windows_1point5sEvery0point75s_TheLastEndingAtTheLastFrame()
    {
        var random = new Random(3);
        var second = Enumerable.Range(0, 16_000).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        Assert.Equal(98, SpeakerFeatures.Mfcc(second).Length); // 1 + (16 000 − 400) / 160
        Assert.Empty(SpeakerFeatures.Mfcc(second.AsSpan(0, 399)));

        var frames = Enumerable.Range(0, 400).Select(i => Enumerable.Repeat((float)i, SpeakerFeatures.Coefficients).ToArray()).ToArray();
        var windows = SpeakerFeatures.Windows(frames);
        Assert.Equal([0, 75, 150, 225, 250], windows.Select(w => w.FirstFrame));
        Assert.Equal(74.5f, windows[0].Statistics[0]); // the mean of 0…149
        Assert.Equal(43.30, windows[0].Statistics[SpeakerFeatures.Coefficients], 2); // their standard deviation
        Assert.Equal([0], SpeakerFeatures.Windows(frames[..60]).Select(w => w.FirstFrame));
        Assert.Empty(SpeakerFeatures.Windows(frames[..9]));
        Assert.Equal(SpeakerFeatures.Mfcc(second), SpeakerFeatures.Mfcc(second.ToArray()));
    }

    [Fact]
    public async Task ThreeVoices_TwoSentencesEach_EachSentenceIsNearestToItsVoicesOtherOne()
    {
        string[] sentences =
        [
            "The committee will meet again on Thursday to review the budget for the coming year and decide on the new building.",
            "Yesterday my neighbour found a small grey cat sleeping in the garden behind the old wooden shed near the river.",
        ];
        (string Name, string[] Command)[] voices =
        [
            ("kal", ["text2wave", "-eval", "(voice_kal_diphone)"]),
            ("slt", ["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)"]),
            ("espeak", ["espeak-ng", "-v", "en-us"]),
        ];
        var means = new List<(string Voice, float[] Mean)>();
        foreach (var (voice, command) in voices)
        {
            for (var s = 0; s < sentences.Length; s++)
            {
                var samples = await SpeakAsync(command, sentences[s], $"{voice}-{s}");
                var windows = SpeakerFeatures.Windows(SpeakerFeatures.Mfcc(samples));
                Assert.True(windows.Count >= 3, $"{voice} said sentence {s} in {samples.Length / 16_000.0:0.0} s");
                means.Add((voice, [.. Enumerable.Range(0, SpeakerFeatures.Dimensions).Select(d => windows.Average(w => w.Statistics[d]))]));
            }
        }

        // Each dimension standardised over the six, then each sentence's nearest other (Euclidean) must be its voice's.
        var standardised = Standardise([.. means.Select(m => m.Mean)]);
        for (var i = 0; i < means.Count; i++)
        {
            var nearest = Enumerable.Range(0, means.Count).Where(j => j != i).MinBy(j => Distance(standardised[i], standardised[j]));
            Assert.True(means[nearest].Voice == means[i].Voice, $"{means[i].Voice}'s sentence {i % 2} is nearest to {means[nearest].Voice}'s");
        }
    }

    [Fact]
    public async Task Clustering_AConversationsTurns_FindsItsVoices_OrTheCountGiven()
    {
        string[] sentences =
        [
            "Good morning, I wanted to ask about the schedule for the training next week.",
            "Of course, the first session starts at nine and runs until a quarter past twelve.",
            "That works for me, but could we move the second one to the afternoon instead?",
            "I think that should be possible, let me check with the rest of the team first.",
            "Thank you, and please send me the room number once it has been decided.",
            "I will, and I will also share the reading list so that everyone can prepare.",
        ];
        var kal = new[] { "text2wave", "-eval", "(voice_kal_diphone)" };
        var slt = new[] { "text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)" };
        var espeak = new[] { "espeak-ng", "-v", "en-us" };
        async Task<IReadOnlyList<float[]>> Turn(string[] voice, int sentence) =>
            [.. SpeakerFeatures.Windows(SpeakerFeatures.Mfcc(await SpeakAsync(voice, sentences[sentence], $"turn-{voice[^1]}-{sentence}".Replace('(', '-').Replace(')', '-')))).Select(w => w.Statistics)];

        // Two voices taking turns: two speakers, each turn its own.
        IReadOnlyList<float[]>[] two = [await Turn(kal, 0), await Turn(slt, 1), await Turn(kal, 2), await Turn(slt, 3), await Turn(kal, 4), await Turn(slt, 5)];
        Assert.Equal([0, 1, 0, 1, 0, 1], SpeakerClustering.Cluster(two));
        Assert.Equal([0, 1, 2, 3, 4, 5], SpeakerClustering.Cluster(two, lambda: 0.1)); // too light a penalty splits a voice

        // Three voices: three speakers found; told two, the closest two voices become one.
        IReadOnlyList<float[]>[] three = [two[0], two[1], await Turn(espeak, 2), two[3], two[4], await Turn(espeak, 5)];
        Assert.Equal([0, 1, 2, 1, 0, 2], SpeakerClustering.Cluster(three));
        var told = SpeakerClustering.Cluster(three, speakers: 2);
        Assert.Equal(2, told.Distinct().Count());
        Assert.Equal((told[0], told[1], told[2]), (told[4], told[3], told[5]));
        Assert.Equal([0, 0, 0, 0, 0, 0], SpeakerClustering.Cluster(three, maxSpeakers: 1));
        Assert.Empty(SpeakerClustering.Cluster([]));
    }

    private async Task<float[]> SpeakAsync(string[] command, string text, string name)
    {
        var textFile = Path.Combine(_directory, name + ".txt");
        var wav = Path.Combine(_directory, name + ".wav");
        await File.WriteAllTextAsync(textFile, text);
        var info = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in command.Skip(1).Concat(command[0] == "text2wave" ? [textFile, "-o", wav] : ["-f", textFile, "-w", wav]))
        {
            info.ArgumentList.Add(argument);
        }

        using (var process = Process.Start(info)!)
        {
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"{command[0]} exited {process.ExitCode}: {await errors} (./mc setup installs festival and espeak-ng)");
        }

        var raw = Path.Combine(_directory, name + ".f32");
        await FfmpegRunner.RunAsync(["-y", "-i", wav, "-ac", "1", "-ar", "16000", "-f", "f32le", raw]);
        var bytes = await File.ReadAllBytesAsync(raw);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static float[][] Standardise(float[][] rows)
    {
        var dims = rows[0].Length;
        var result = rows.Select(r => new float[dims]).ToArray();
        for (var d = 0; d < dims; d++)
        {
            var mean = rows.Average(r => r[d]);
            var sd = Math.Sqrt(rows.Average(r => (r[d] - mean) * (r[d] - mean)));
            for (var i = 0; i < rows.Length; i++)
            {
                result[i][d] = sd > 1e-9 ? (float)((rows[i][d] - mean) / sd) : 0;
            }
        }

        return result;
    }

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());
}
