using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Media.Tests;

/// <summary>
/// Whisper.net's real native library over a ggml file the test kit writes (random weights, real layout scaled down):
/// the words mean nothing, so these tests check the plumbing — loading, segments and word times, threads, cancelling —
/// and that a malformed file is refused before whisper.cpp sees it.
/// </summary>
public sealed class WhisperTests : IClassFixture<WhisperTests.Model>
{
    private readonly Model _model;

    public WhisperTests(Model model) => _model = model;

    [Fact]
    public void ModelFile_OfTheRealLayout_IsReadWithItsShape()
    {
        var info = WhisperModelFile.Read(_model.Path);
        Assert.Equal(new WhisperModelInfo("2-layer.en", false, 51864, 64, 2, 2, 80, 1, 11 + (15 * 2) + (24 * 2)), info);
        Assert.Equal(50256, info.EndOfText);
    }

    [Fact]
    public async Task Recognize_ARealSpeechClip_GivesWordsInOrderInsideTheClip()
    {
        var (path, _) = SpeechSampleMaker.LibriVoxClips()[0];
        var samples = (await AudioDecoder.DecodeAsync(path).ToListAsync()).SelectMany(c => c.Samples).ToArray();
        var clip = TimeSpan.FromSeconds(samples.Length / 16000.0);

        var result = await _model.Recognizer.RecognizeAsync(samples);

        Assert.Equal("whisper", _model.Recognizer.Engine);
        Assert.Equal("2-layer.en", _model.Recognizer.Model);
        Assert.NotEmpty(result.Words);
        Assert.True(result.Words[^1].End > result.Words[0].Start, "the words span no time");
        Assert.All(result.Words, w => Assert.True(w.Start >= TimeSpan.Zero && w.Start <= w.End && w.End <= clip, $"{w.Text} at {w.Start}–{w.End} lies outside 0–{clip}"));
        Assert.All(result.Words.Zip(result.Words.Skip(1)), p => Assert.True(p.First.Start <= p.Second.Start, $"'{p.Second.Text}' starts before '{p.First.Text}'"));
        Assert.All(result.Words, w => Assert.InRange(w.Confidence, 0, 1));
        Assert.Equal(result.MeanWordConfidence, result.Confidence);
        Assert.Equal(string.Join(' ', result.Words.Select(w => w.Text)), result.Text);

        // No context between segments: the same audio gives the same result again.
        Assert.Equal(result.Text, (await _model.Recognizer.RecognizeAsync(samples)).Text);
    }

    [Fact]
    public async Task Stream_WithPhrases_IsPromptedOnAProcessorOfItsOwn_ThenTheSlotAndThePooledProcessorServeAsBefore()
    {
        var samples = (await AudioDecoder.DecodeAsync(SpeechSampleMaker.LibriVoxClips()[1].Path).ToListAsync()).SelectMany(c => c.Samples).ToArray();
        var plain = await _model.Recognizer.RecognizeAsync(samples);

        using (var stream = await _model.Recognizer.StartStreamAsync(new RecognitionHints(["one", "two", "three"], 2)).WaitAsync(TimeSpan.FromSeconds(30)))
        {
            stream.Accept(samples);
            var prompted = stream.Finish();
            Assert.Equal(string.Join(' ', prompted.Words.Select(w => w.Text)), prompted.Text);
            Assert.Null(prompted.Alternatives); // whisper has one hypothesis: the node sends it as the only alternative
        }

        // One slot (concurrency 1): it is free again, and the pooled, unprompted processor recognises as before.
        var again = await _model.Recognizer.RecognizeAsync(samples).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(plain.Text, again.Text);
    }

    [Fact]
    public void Threads_AndSlots_FollowTheOptions()
    {
        using var recognizer = new WhisperRecognizer(new WhisperOptions { ModelPath = _model.Path, Threads = 2 }, concurrency: 3);
        Assert.Equal(2, recognizer.Threads);
        Assert.Equal(3, recognizer.Concurrency);
        using var byCores = new WhisperRecognizer(new WhisperOptions { ModelPath = _model.Path, Threads = 1 });
        Assert.Equal(Environment.ProcessorCount, byCores.Concurrency);
    }

    [Fact]
    public async Task Recognize_CancelledWhileDecoding_StopsAndTheSlotServesTheNextSegment()
    {
        // With temperature fallback a random-weight model decodes 20 s of noise six times over (seconds of work),
        // so the cancel lands inside whisper_full, which must stop through its abort callback.
        using var recognizer = new WhisperRecognizer(new WhisperOptions { ModelPath = _model.Path, Threads = 1 }, concurrency: 1);
        var noise = new short[16000 * 20];
        new Random(3).NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(noise.AsSpan()));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => recognizer.RecognizeAsync(noise, cancel.Token));
        var next = await recognizer.RecognizeAsync(noise.AsMemory(0, 16000 * 2));
        Assert.NotEmpty(next.Words);
    }

    [Fact]
    public void ModelFile_Malformed_IsRefusedNamingTheProblem()
    {
        var dir = Directory.CreateTempSubdirectory("mc-whisper-bad-").FullName;
        try
        {
            Refused(Write("text.bin", w => w.Write("not a model"u8)), "is not a ggml whisper model");
            Refused(Write("gguf.bin", w => w.Write("GGUF\u0003\0\0\0"u8)), "is a GGUF file");
            var whole = File.ReadAllBytes(_model.Path);
            Refused(Write("truncated.bin", w => w.Write(whole.AsSpan(0, whole.Length - 1000))), "ends inside tensor");
            Refused(Write("header-only.bin", w => w.Write(whole.AsSpan(0, 40))), "ends early");

            // Structurally valid, but the vocabulary lacks " ": whisper.cpp would abort the process on it.
            var noSpace = Path.Combine(dir, "no-space.bin");
            SyntheticWhisperModel.Write(noSpace, WhisperShape.TinyScaledDown, vocabulary: (w, count) =>
            {
                w.Write(count);
                for (var i = 0; i < count; i++)
                {
                    SyntheticWhisperModel.Token(w, $"t{i}");
                }
            });
            Refused(noSpace, "has no \" \" token");

            var missing = Path.Combine(dir, "absent.bin");
            var error = Assert.Throws<MediaException>(() => new WhisperRecognizer(new WhisperOptions { ModelPath = missing }));
            Assert.Equal(MediaErrorKind.NotFound, error.Kind);
            Assert.Contains(missing, error.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        string Write(string name, Action<BinaryWriter> body)
        {
            var path = Path.Combine(dir, name);
            using var writer = new BinaryWriter(File.Create(path));
            body(writer);
            return path;
        }

        static void Refused(string path, string problem)
        {
            var error = Assert.Throws<MediaException>(() => new WhisperRecognizer(new WhisperOptions { ModelPath = path }));
            Assert.Equal(MediaErrorKind.InvalidInput, error.Kind);
            Assert.StartsWith($"The whisper model '{path}' ", error.Message);
            Assert.Contains(problem, error.Message);
        }
    }

    /// <summary>One scaled-down tiny.en file and one recognizer over it for the class.</summary>
    public sealed class Model : IDisposable
    {
        public Model()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mc-whisper-{Environment.ProcessId}.bin");
            SyntheticWhisperModel.Write(Path, WhisperShape.TinyScaledDown);
            Recognizer = new WhisperRecognizer(new WhisperOptions { ModelPath = Path, Threads = 2, TemperatureFallback = false }, concurrency: 1);
        }

        public string Path { get; }

        public WhisperRecognizer Recognizer { get; }

        public void Dispose()
        {
            Recognizer.Dispose();
            File.Delete(Path);
        }
    }
}
