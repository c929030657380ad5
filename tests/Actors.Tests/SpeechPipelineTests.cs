using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>Real speech through the one pipeline (decode → VAD → ASR as jobs on a node): accuracy, timing, odd inputs.</summary>
public sealed class SpeechPipelineTests(SpeechPipelineTests.Node fixture) : IClassFixture<SpeechPipelineTests.Node>
{
    [Fact]
    public async Task Asr_FiveClips_ScoreAtMost32PercentWer()
    {
        var errors = 0;
        var words = 0;
        var clips = SpeechSampleMaker.LibriVoxClips();
        for (var i = 0; i < clips.Count; i++)
        {
            var transcript = await fixture.TranscribeAsync($"clip-{i}", clips[i].Path);
            var (e, n) = WordErrorRate.Count(clips[i].Text, transcript.Text);
            errors += e;
            words += n;
        }

        var wer = 100.0 * errors / words;
        Assert.True(wer <= 32, $"WER over the five LibriVox clips is {wer:0.0}% (> 32%)");
    }

    [Fact]
    public async Task Asr_Words_HaveOrderedTimesInsideTheirSegment_AndTheEngineIsNamed()
    {
        var oddName = Path.Combine(fixture.Directory, "my talk – Grüße façade.wav");
        File.Copy(SpeechSampleMaker.LibriVoxClips()[1].Path, oddName, overwrite: true);
        var transcript = await fixture.TranscribeAsync("odd-name", oddName);
        var segment = Assert.Single(transcript.Segments);
        Assert.NotEmpty(segment.Words);
        Assert.All(segment.Words, w =>
        {
            Assert.True(w.Start >= segment.Start && w.End <= segment.End + TimeSpan.FromMilliseconds(20), $"{w.Text} at {w.Start}–{w.End} is outside {segment.Start}–{segment.End}");
            Assert.InRange(w.Confidence, 0, 1);
        });
        Assert.Equal(segment.Words.OrderBy(w => w.Start), segment.Words);
        Assert.Equal(("pocketsphinx", "en-us", "my talk – Grüße façade.wav"), (transcript.Engine, transcript.Model, transcript.Source));
    }

    [Fact]
    public async Task Job_ThirtySecondsOfSilence_CompletesWithNoSegments()
    {
        var silence = Path.Combine(fixture.Directory, "silence-30s.flac");
        await FfmpegRunner.RunAsync(["-y", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "30", silence]);
        var transcript = await fixture.TranscribeAsync("silence", silence);
        Assert.Empty(transcript.Segments);
        Assert.Equal(30, transcript.Duration.TotalSeconds, 1);
    }

    [Theory]
    [InlineData("eight-khz", "-ar", "8000", "-ac", "1")]
    [InlineData("six-channels", "-ar", "48000", "-ac", "6")]
    public async Task Job_OtherRatesAndLayouts_RecognisesTheClip(string name, params string[] conversion)
    {
        var clip = SpeechSampleMaker.LibriVoxClips()[1];
        var path = Path.Combine(fixture.Directory, name + ".wav");
        await FfmpegRunner.RunAsync(["-y", "-i", clip.Path, .. conversion, path]);
        var transcript = await fixture.TranscribeAsync(name, path);
        var wer = WordErrorRate.Percent(clip.Text, transcript.Text);
        Assert.True(wer <= 60, $"{name}: WER {wer:0}% for '{transcript.Text}'");
    }

    [Fact]
    public async Task Summary_OfARecordingOfRepeatedClips_SaysNothingTwice_InSpokenOrder()
    {
        // Fifteen clips: the five LibriVox clips three times over, so every utterance is heard three times.
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(fixture.Directory, "repeated.wav"), TimeSpan.Zero, clipCount: 15);
        var transcript = await fixture.TranscribeAsync("repeated", sample.Path);
        var points = (await File.ReadAllLinesAsync(Path.Combine(fixture.Directory, "out-repeated", "summary.txt")))
            .TakeWhile(line => line.Length > 0)
            .Select(line => (Start: TimeSpan.Parse(line[1..9], System.Globalization.CultureInfo.InvariantCulture), Sentence: line[11..]))
            .ToList();
        Assert.NotEmpty(points);
        Assert.Equal(points.OrderBy(p => p.Start), points);
        Assert.All(points, p => Assert.True(char.IsUpper(p.Sentence[0]) && p.Sentence.EndsWith('.'), p.Sentence));

        // Which clip (of the five) and where in it each point was said (its segment's exact start, from the
        // transcript): no place in a clip may be chosen twice.
        var places = points.Select(p =>
        {
            var start = transcript.Segments.Single(s => TimeSpan.FromSeconds(Math.Floor(s.Start.TotalSeconds)) == p.Start && MediaCluster.Media.Summarize.TextRank.Sentence(s.Text) == p.Sentence).Start;
            var clip = sample.ClipBounds.Select((b, i) => (b, i)).Single(c => start + TimeSpan.FromSeconds(0.3) >= c.b.Start && start < c.b.End);
            return (Clip: clip.i % 5, Offset: Math.Round((start - clip.b.Start).TotalSeconds, 1));
        }).ToList();
        Assert.Equal(places.Count, places.Distinct().Count());
    }

    /// <summary>One node for the class (its recognizer pool is slow to create).</summary>
    public sealed class Node : IAsyncLifetime
    {
        private EmbeddedNode _node = null!;

        public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mc-speech-").FullName;

        public async Task InitializeAsync() => _node = await EmbeddedNode.StartAsync(Path.Combine(Directory, "data"));

        public async Task DisposeAsync()
        {
            await _node.DisposeAsync();
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        /// <summary>Runs <paramref name="path"/> as job <paramref name="id"/> and reads back its transcript.json.</summary>
        public async Task<Transcript> TranscribeAsync(string id, string path)
        {
            var output = Path.Combine(Directory, "out-" + id);
            var end = await _node.Jobs.RunAsync(new JobSpec { JobId = id, InputPath = path, OutputDir = output }).WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(end.State == JobState.Completed, $"job {id} ended {end.State}: {end.Error}");
            return TranscriptFormats.ParseJson(await File.ReadAllTextAsync(Path.Combine(output, "transcript.json")));
        }
    }
}
