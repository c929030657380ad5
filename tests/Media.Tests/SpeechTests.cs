using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media.Tests;

[Collection(MediaCollection.Name)]
public sealed class SpeechTests(MediaFiles files, Engines engines)
{
    [Fact]
    public void Silero_Model_HasTheDocumentedInputsAndOutputs()
    {
        var session = engines.Vad.Model;
        Assert.Equal(["input", "state", "sr"], session.Inputs.Select(i => i.Name));
        Assert.Equal(["output", "stateN"], session.Outputs.Select(o => o.Name));
        Assert.Equal([2L, -1, 128], session.Inputs[1].Shape);
        Assert.Empty(session.Inputs[2].Shape);
        Assert.Equal("CPU", engines.Vad.Provider);
    }

    [Fact]
    public async Task Vad_Decisions_AreTheOnesRecordedWithTheCApiBinding()
    {
        // Recorded with the hand-written C-API binding (ONNX Runtime 1.30) before the move to Microsoft.ML.OnnxRuntime:
        // per file, the segments found and the per-window speech decision (probability ≥ 0.5).
        var golden = (await File.ReadAllLinesAsync(Path.Combine(AppContext.BaseDirectory, "Golden", "vad-decisions.txt")))
            .Select(line => line.Split('|'))
            .ToDictionary(parts => parts[0], parts => (Segments: parts[1], Windows: parts[2]));
        var paths = new[] { files.FiveClips.Path }.Concat(SpeechSampleMaker.LibriVoxClips().Select(c => c.Path)).ToList();
        Assert.Equal(paths.Select(Path.GetFileName).Order(), golden.Keys.Order());
        foreach (var path in paths)
        {
            var segments = await new VoiceActivityDetector(engines.Vad).DetectAsync(AudioDecoder.DecodeAsync(path), withAudio: false).ToListAsync();
            var samples = (await AudioDecoder.DecodeAsync(path).ToListAsync()).SelectMany(c => c.Samples).ToArray();
            using var stream = engines.Vad.CreateStream();
            var windows = new System.Text.StringBuilder();
            for (var i = 0; i + SileroVad.WindowSamples <= samples.Length; i += SileroVad.WindowSamples)
            {
                windows.Append(stream.Process(samples.AsSpan(i, SileroVad.WindowSamples)) >= 0.5f ? '1' : '0');
            }

            var expected = golden[Path.GetFileName(path)!];
            Assert.Equal(expected.Segments, string.Join(",", segments.Select(s => $"{s.StartSample}-{s.EndSample}")));
            Assert.Equal(expected.Windows, windows.ToString());
        }
    }

    [Fact]
    public void Vad_Process_AllocatesNothingPerWindow()
    {
        using var stream = engines.Vad.CreateStream();
        var window = new short[SileroVad.WindowSamples];
        for (var i = 0; i < 20; i++)
        {
            stream.Process(window);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            window[i % window.Length] = (short)(i * 37);
            stream.Process(window);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Onnx_CudaAskedForInACpuBuild_FailsNamingWhatIsMissing_AndAutoRunsOnCpu()
    {
        var model = NativeFiles.Find("silero_vad_v5.onnx");
        var error = Assert.Throws<MediaException>(() => new Onnx.OnnxModel(model, Onnx.InferenceDevice.Cuda));
        Assert.Equal(
            "ONNX model 'silero_vad_v5.onnx' cannot run on CUDA (Node:Inference:Device is cuda): this build has the CPU-only ONNX Runtime (build with -p:OnnxRuntimeFlavor=Gpu for CUDA)",
            error.Message);
        using var auto = new Onnx.OnnxModel(model, Onnx.InferenceDevice.Auto);
        Assert.Equal("CPU", auto.Provider);
    }

    [Fact]
    public async Task Onnx_AMalformedModelFile_IsRefusedNamingIt()
    {
        var bad = Path.Combine(files.Directory, "broken.onnx");
        await File.WriteAllTextAsync(bad, "this is not a protobuf model");
        var error = Assert.Throws<MediaException>(() => new Onnx.OnnxModel(bad, Onnx.InferenceDevice.Cpu));
        Assert.Equal(MediaErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("ONNX model 'broken.onnx' could not be loaded: ", error.Message);
    }

    [Fact]
    public void Silero_WrongWindowSize_IsRejected()
    {
        using var stream = engines.Vad.CreateStream();
        Assert.Throws<ArgumentException>(() => stream.Process(new short[100]));
        Assert.InRange(stream.Process(new short[512]), 0f, 0.1f);
    }

    [Fact]
    public async Task Vad_ClipsSeparatedBySilence_FindsEachWithin300ms()
    {
        var detector = new VoiceActivityDetector(engines.Vad);
        var segments = await detector.DetectAsync(AudioDecoder.DecodeAsync(files.FiveClips.Path), withAudio: false).ToListAsync();
        foreach (var (start, end) in files.FiveClips.ClipBounds)
        {
            var overlapping = segments.Where(s => s.End > start && s.Start < end).ToList();
            Assert.True(overlapping.Count > 0, $"no speech found in the clip at {start}–{end}");
            Assert.InRange(overlapping.Min(s => s.Start).TotalSeconds, start.TotalSeconds - 0.3, start.TotalSeconds + 0.3);
            Assert.InRange(overlapping.Max(s => s.End).TotalSeconds, end.TotalSeconds - 0.3, end.TotalSeconds + 0.3);
        }

        Assert.All(segments, s => Assert.Contains(files.FiveClips.ClipBounds, b => s.End > b.Start && s.Start < b.End));
    }

    [Fact]
    public async Task Finder_RestartedFromEachCheckpoint_FindsExactlyTheSegmentsTheFirstRunFoundAfterIt()
    {
        // A run restarted on another node: the same audio from AudioFrom on, in pieces of another size than the first run's.
        var samples = (await AudioDecoder.DecodeAsync(files.FiveClips.Path).ToListAsync()).SelectMany(c => c.Samples).ToArray();
        using var whole = new SpeechFinder(engines.Vad);
        var first = Find(whole, samples, 0, 8000);
        var checkpoints = first.Where(s => s.Resume is not null).ToList();
        Assert.True(checkpoints.Count >= 4, $"only {checkpoints.Count} of {first.Count} segments closed on silence");
        foreach (var after in checkpoints)
        {
            var resume = after.Resume!;
            using var restarted = new SpeechFinder(engines.Vad, resume: resume);
            Assert.Equal(resume.AudioFrom(new VadOptions()), restarted.NextSample);
            var again = Find(restarted, samples, (int)restarted.NextSample, 3_333);
            var expected = first.Where(s => s.Index > after.Index).ToList();
            Assert.Equal(expected.Select(s => (s.Index, s.StartSample, s.EndSample)), again.Select(s => (s.Index, s.StartSample, s.EndSample)));
            Assert.All(expected.Zip(again), pair => Assert.True(pair.First.Samples!.AsSpan().SequenceEqual(pair.Second.Samples), $"segment {pair.First.Index}'s audio differs"));
        }

        Assert.Throws<ArgumentException>(() => new SpeechFinder(engines.Vad, resume: checkpoints[0].Resume! with { Memory = new float[3] }));
    }

    private static List<SpeechSegment> Find(SpeechFinder finder, short[] samples, int from, int piece)
    {
        var found = new List<SpeechSegment>();
        for (var i = from; i < samples.Length; i += piece)
        {
            found.AddRange(finder.Push(samples.AsSpan(i, Math.Min(piece, samples.Length - i))));
        }

        found.AddRange(finder.Flush());
        return found;
    }

    [Fact]
    public void Segmenter_LongSpeech_IsSplitAtTheLeastSpeechLikePoint()
    {
        var options = new VadOptions { MaxSegment = TimeSpan.FromSeconds(10), SpeechPad = TimeSpan.Zero };
        var segmenter = new SpeechSegmenter(options);
        var done = new List<SpeechSegment>();
        for (var i = 0; i < 1000; i++)
        {
            done.AddRange(segmenter.Push(i == 250 ? 0.4f : 0.9f));
        }

        done.AddRange(segmenter.Flush(1000 * 512));
        Assert.All(done, s => Assert.True(s.Duration <= TimeSpan.FromSeconds(10), $"segment {s.Index} lasts {s.Duration}"));
        Assert.Equal(250 * 512, done[0].EndSample);
        Assert.Equal(done[0].EndSample, done[1].StartSample);
        Assert.Equal(1000 * 512, done[^1].EndSample);
    }

    [Fact]
    public void Segmenter_ShortBlipAndShortPause_FollowTheDefaults()
    {
        var segmenter = new SpeechSegmenter(new VadOptions());
        var probabilities = new List<float>();
        probabilities.AddRange(Enumerable.Repeat(0.9f, 5));   // 160 ms blip: below min speech, dropped
        probabilities.AddRange(Enumerable.Repeat(0.0f, 10));
        probabilities.AddRange(Enumerable.Repeat(0.9f, 20));  // speech
        probabilities.AddRange(Enumerable.Repeat(0.4f, 2));   // between thresholds: speech continues
        probabilities.AddRange(Enumerable.Repeat(0.1f, 2));   // 64 ms pause: shorter than min silence
        probabilities.AddRange(Enumerable.Repeat(0.9f, 20));
        probabilities.AddRange(Enumerable.Repeat(0.0f, 10));
        var segments = probabilities.SelectMany(segmenter.Push).Concat(segmenter.Flush(probabilities.Count * 512L)).ToList();
        var segment = Assert.Single(segments);
        Assert.Equal((15 * 512) - 1600, segment.StartSample);
        Assert.Equal((59 * 512) + 1600, segment.EndSample);
    }

    [Fact]
    public async Task Streaming_Partials_GrowToTheFinalResult()
    {
        var samples = (await AudioDecoder.DecodeAsync(SpeechSampleMaker.LibriVoxClips()[4].Path).ToListAsync()).SelectMany(c => c.Samples).ToArray();
        using var stream = await engines.Asr.StartStreamAsync(RecognitionHints.None);
        var partials = new List<string>();
        for (var i = 0; i < samples.Length; i += 1600)
        {
            partials.Add(stream.Accept(samples.AsSpan(i, Math.Min(1600, samples.Length - i))));
        }

        var final = stream.Finish();
        Assert.Contains(partials, p => p.Length > 0);
        Assert.NotEmpty(final.Text);
        Assert.True(WordErrorRate.Percent(SpeechSampleMaker.LibriVoxClips()[4].Text, final.Text) <= 60, final.Text);
    }

    [Fact]
    public async Task Asr_SameSegment_GivesTheSameTextWhateverTheDecoderHeardBefore()
    {
        var clips = new List<short[]>();
        foreach (var (path, _) in SpeechSampleMaker.LibriVoxClips())
        {
            clips.Add((await AudioDecoder.DecodeAsync(path).ToListAsync()).SelectMany(c => c.Samples).ToArray());
        }

        using var recognizer = new PocketSphinxRecognizer(concurrency: 1);
        var cold = await recognizer.RecognizeAsync(clips[0]);
        await recognizer.RecognizeAsync(clips[3]);
        await recognizer.RecognizeAsync(clips[2]);
        var warm = await recognizer.RecognizeAsync(clips[0]);
        Assert.Equal(cold.Text, warm.Text);

        // Times too: a reused decoder numbered its frames on from earlier utterances (words timed 14 s into a 7 s clip).
        Assert.Equal(cold.Words, warm.Words);
        Assert.All(warm.Words, w => Assert.True(w.End.TotalSeconds <= clips[0].Length / 16000.0, $"'{w.Text}' ends at {w.End} in a {clips[0].Length / 16000.0:0.00} s clip"));
    }

    [Fact]
    public async Task Asr_DecodersCreatedAndUsedOnManyThreadsAtOnce_AllAnswer()
    {
        // pocketsphinx keeps its log file in one process-wide variable: decoders created on several threads at once
        // (two nodes in one process, or a pool filling up) must not race on it (it once crashed a test host).
        var (path, _) = SpeechSampleMaker.LibriVoxClips()[0];
        var clip = (await AudioDecoder.DecodeAsync(path).ToListAsync()).SelectMany(c => c.Samples).Take(16_000 * 3).ToArray();
        for (var round = 0; round < 4; round++)
        {
            var recognizers = Enumerable.Range(0, 2).Select(_ => new PocketSphinxRecognizer(concurrency: 3)).ToList();
            try
            {
                var results = await Task.WhenAll(recognizers.SelectMany(r => Enumerable.Range(0, 3).Select(_ => r.RecognizeAsync(clip))));
                Assert.All(results, r => Assert.Equal(results[0].Text, r.Text));
            }
            finally
            {
                recognizers.ForEach(r => r.Dispose());
            }
        }
    }

    [Fact]
    public void Wer_IgnoresCaseAndPunctuation()
    {
        Assert.Equal(0, WordErrorRate.Percent("Hello, World!", "hello world"));
        Assert.Equal(50, WordErrorRate.Percent("a b c d", "a x c"));
    }
}
