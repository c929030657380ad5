using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Learning;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Video;

namespace MediaCluster.Media.Tests;

/// <summary>Generated shots: a training set, a held-out set of other seeds, and a 4-scene video with known cuts.</summary>
public sealed class ShotFiles : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mc-shots-").FullName;

    public IReadOnlyList<LabelledExample> Train { get; private set; } = [];

    public IReadOnlyList<LabelledExample> HeldOut { get; private set; } = [];

    public string FourScenes => Path.Combine(Directory, "four-scenes.mp4");

    public IReadOnlyList<(TimeSpan Start, TimeSpan End, string Movement)> FourSceneBounds { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Train = await ExamplesAsync(await ShotClips.WriteDatasetAsync(Path.Combine(Directory, "train"), perLabel: 10, seed: 1));
        HeldOut = await ExamplesAsync(await ShotClips.WriteDatasetAsync(Path.Combine(Directory, "held-out"), perLabel: 4, seed: 2));
        FourSceneBounds = await ShotClips.WriteScenesAsync(
            FourScenes,
            [(ShotMovement.Static, TimeSpan.FromSeconds(3)), (ShotMovement.Motion, TimeSpan.FromSeconds(3)), (ShotMovement.Push, TimeSpan.FromSeconds(3)), (ShotMovement.Static, TimeSpan.FromSeconds(3))],
            seed: 3);
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }

    private static async Task<IReadOnlyList<LabelledExample>> ExamplesAsync(string csv)
    {
        var examples = new List<LabelledExample>();
        foreach (var line in (await File.ReadAllLinesAsync(csv)).Skip(1))
        {
            var parts = line.Split(',');
            examples.Add(new LabelledExample(await new MovementTask().ExampleFeaturesAsync(Path.Combine(Path.GetDirectoryName(csv)!, parts[0])), parts[1], Source: parts[0]));
        }

        return examples;
    }
}

public sealed class VideoTests(ShotFiles shots) : IClassFixture<ShotFiles>
{
    [Fact]
    public async Task FourScenes_OnePass_CutsWithinAQuarterSecond_EightFramesEach()
    {
        var handed = new List<SceneFrames>();
        var scenes = await VideoScan.RunAsync(shots.FourScenes, TimeSpan.FromSeconds(12), new SceneOptions(), scene =>
        {
            handed.Add(scene);
            return Task.CompletedTask;
        });
        Assert.Equal(4, scenes.Count);
        Assert.Equal(scenes, handed.Select(h => h.Span));
        for (var i = 0; i < 4; i++)
        {
            Assert.InRange((scenes[i].Start - shots.FourSceneBounds[i].Start).Duration().TotalSeconds, 0, 0.25);
            Assert.Equal(8, scenes[i].FrameTimes.Count);
            Assert.All(scenes[i].FrameTimes, t => Assert.InRange(t, scenes[i].Start, scenes[i].End));
            Assert.Equal(scenes[i].FrameTimes, handed[i].Frames.Select(f => f.Time));
            Assert.All(handed[i].Frames, f => Assert.Equal((SceneFinder.MotionWidth, 180, SceneFinder.MotionWidth * 180 * 3), (f.Width, f.Height, f.Rgb.Length)));
        }

        // Each scene's frames are its own pictures (every shot is over another picture), and the same pass read with
        // the scenes given (a resumed job's) hands the same frames.
        Assert.NotEqual(handed[0].Frames[7].Rgb, handed[1].Frames[0].Rgb);
        var again = new List<SceneFrames>();
        await VideoScan.RunAsync(shots.FourScenes, TimeSpan.FromSeconds(12), new SceneOptions(), scene =>
        {
            again.Add(scene);
            return Task.CompletedTask;
        }, plan: scenes);
        Assert.Equal(handed.SelectMany(h => h.Frames.Select(f => f.Rgb)), again.SelectMany(h => h.Frames.Select(f => f.Rgb)));
    }

    [Fact]
    public async Task FrameSampler_FramesNearTheTimes_OfTheAspect()
    {
        var times = new[] { TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30) };
        var frames = await FrameSampler.SampleAsync(shots.FourScenes, times, 160);
        Assert.Equal(times, frames.Select(f => f.Time));
        Assert.All(frames, f => Assert.Equal((160, 90, 160 * 90 * 3), (f.Width, f.Height, f.Rgb.Length)));

        // The second scene's picture is not the first's; a time past the end gets the last frame.
        Assert.NotEqual(frames[0].Rgb, frames[1].Rgb);
        var last = await FrameSampler.SampleAsync(shots.FourScenes, [TimeSpan.FromSeconds(11.9)], 160);
        Assert.Equal(last[0].Rgb.Length, frames[2].Rgb.Length);
    }

    [Fact]
    public void CameraMotion_KnownShifts_AreMeasured()
    {
        var still = shots.HeldOut.First(e => e.Label == ShotMovement.Static).Features;
        var pan = shots.HeldOut.Where(e => e.Label == ShotMovement.Motion).Select(e => e.Features).ToList();
        var push = shots.HeldOut.Where(e => e.Label == ShotMovement.Push).Select(e => e.Features).ToList();
        var pull = shots.HeldOut.Where(e => e.Label == ShotMovement.Pull).Select(e => e.Features).ToList();
        Assert.True(still[2] < 0.02, $"a static shot's translation speed is {still[2]} widths/s");
        Assert.All(pan, f => Assert.True(f[2] > 0.05, $"a pan's translation speed is only {f[2]} widths/s"));
        Assert.All(push, f => Assert.True(f[3] > 0.05, $"a push's zoom rate is {f[3]} (log scale per s)"));
        Assert.All(pull, f => Assert.True(f[3] < -0.05, $"a pull's zoom rate is {f[3]} (log scale per s)"));
    }

    [Fact]
    public void CameraMotion_StepsWithNoCorners_AreLeftOutOfTheSpeeds()
    {
        // Two flat frames (nothing to track), then a textured picture moved 8 px right between the last two.
        const int Width = 320, Height = 180;
        var random = new Random(7);
        var blocks = new byte[(Width / 8) * ((Height + 7) / 8)];
        random.NextBytes(blocks);
        byte[] Picture(int shift)
        {
            var rgb = new byte[Width * Height * 3];
            for (var y = 0; y < Height; y++)
            {
                for (var x = 0; x < Width; x++)
                {
                    var source = Math.Max(0, x - shift);
                    rgb.AsSpan(((y * Width) + x) * 3, 3).Fill(blocks[((y / 8) * (Width / 8)) + (source / 8)]);
                }
            }

            return rgb;
        }

        var flat = new byte[Width * Height * 3];
        Array.Fill(flat, (byte)128);
        VideoFrame At(int second, byte[] rgb) => new(TimeSpan.FromSeconds(second), Width, Height, rgb);
        var frames = new[] { At(0, flat), At(1, flat), At(2, Picture(0)), At(3, Picture(8)) };

        var steps = CameraMotion.Steps(frames);
        Assert.Equal([false, false, true], steps.Select(s => s.Measured));
        var features = CameraMotion.Features(frames);
        Assert.InRange(features[0], 0.024, 0.026); // 8 px of 320 in one second: the measured step's speed, not a third of it
        Assert.InRange(features[3], -0.002, 0.002);
    }

    [Fact]
    public async Task ShotClips_OneSeed_TheSameFileEveryRun()
    {
        // Every picture source, the gradients too (ffmpeg draws its colours afresh each run unless they are named).
        foreach (var source in Enumerable.Range(0, 6))
        {
            var first = Path.Combine(shots.Directory, $"again-{source}-a.mp4");
            var second = Path.Combine(shots.Directory, $"again-{source}-b.mp4");
            await ShotClips.WriteAsync(first, ShotMovement.Pull, TimeSpan.FromSeconds(0.4), seed: 11, source: source);
            await ShotClips.WriteAsync(second, ShotMovement.Pull, TimeSpan.FromSeconds(0.4), seed: 11, source: source);
            var (a, b) = (await File.ReadAllBytesAsync(first), await File.ReadAllBytesAsync(second));
            Assert.True(a.AsSpan().SequenceEqual(b), $"picture source {source} gave two different clips from one seed");
        }
    }

    [Fact]
    public void Movement_TrainedOnOneSet_ClassifiesAnother()
    {
        var result = Training.Run(shots.Train, new ClassifierConfig());
        var metrics = ClassifierMetrics.Of(result.Classifier, shots.HeldOut, ShotMovement.Labels.Order(StringComparer.Ordinal).ToList());
        Assert.True(metrics.MacroF1 >= 0.85, $"macro-F1 on held-out clips {metrics.MacroF1:0.00}; confusion {string.Join(" | ", metrics.Confusion.Select(r => string.Join(' ', r)))}");
        var prediction = result.Classifier.Predict(shots.HeldOut[0].Features);
        Assert.InRange(prediction.Confidence, 0.25, 1.0);
    }

    [Fact]
    public void Classifier_SavedAndLoaded_PredictsTheSame()
    {
        var result = Training.Run(shots.Train, new ClassifierConfig { Trainer = "fasttree", Iterations = 20 });
        var path = Path.Combine(shots.Directory, "model.zip");
        result.Classifier.Save(path);
        var loaded = Classifier.Load(path);
        Assert.Equal(result.Classifier.Labels, loaded.Labels);
        Assert.All(shots.HeldOut, e => Assert.Equal(result.Classifier.Predict(e.Features), loaded.Predict(e.Features)));
    }

    [Fact]
    public async Task Classifier_NotAModel_SaysSo()
    {
        var path = Path.Combine(shots.Directory, "not-a-model.zip");
        await File.WriteAllTextAsync(path, "not a zip");
        var error = Assert.Throws<MediaException>(() => Classifier.Load(path));
        Assert.StartsWith($"'{path}' is not a classifier model", error.Message);
    }

    [Fact]
    public async Task Scale_TrainedOnGeneratedPictures_LabelsHeldOutOnesAndAStillShot()
    {
        using var embedder = new ImageEmbedder(Onnx.InferenceDevice.Cpu);
        var task = new ScaleTask(() => embedder);
        var train = await Datasets.ExamplesAsync(task, [await ShotScaleImages.WriteDatasetAsync(Path.Combine(shots.Directory, "scale-train"), perLabel: 10, seed: 1)]);
        var heldOut = await Datasets.ExamplesAsync(task, [await ShotScaleImages.WriteDatasetAsync(Path.Combine(shots.Directory, "scale-held-out"), perLabel: 4, seed: 2)]);
        Assert.All(train, e => Assert.Equal(ImageEmbedder.Dimensions, e.Features.Length));

        var result = Training.Run(train, task.DefaultConfig);
        var metrics = ClassifierMetrics.Of(result.Classifier, heldOut, [.. ShotScale.Labels.Order(StringComparer.Ordinal)]);
        Assert.True(metrics.MacroF1 >= 0.7, $"shot-scale macro-F1 on held-out pictures {metrics.MacroF1:0.00}; confusion {string.Join(" | ", metrics.Confusion.Select(r => string.Join(' ', r)))}");

        // A held close-up as a video: its scene's frames (every other one embedded) come out a close-up.
        var clip = Path.Combine(shots.Directory, "close-up.mp4");
        await ShotScaleImages.WriteClipAsync(clip, ShotScale.CloseUp, TimeSpan.FromSeconds(2), seed: 3);
        var frames = await SceneFinder.ClipFramesAsync(clip);
        var prediction = result.Classifier.Predict(task.SceneFeatures(frames));
        Assert.True(prediction.Label == ShotScale.CloseUp, $"the close-up came out {prediction.Label} ({prediction.Confidence:0.00}); held-out confusion {string.Join(" | ", metrics.Confusion.Select(r => string.Join(' ', r)))}");
    }

    [Fact]
    public void ImageEmbedder_NotTheModel_IsRefusedNamingTheFile()
    {
        var error = Assert.Throws<MediaException>(() => new ImageEmbedder(Onnx.InferenceDevice.Cpu, networkPath: NativeFiles.Find("silero_vad_v5.onnx")));
        Assert.Contains("silero_vad_v5.onnx' is not the expected model: it should take 'Input247' [1,3,224,224]", error.Message);
        var garbage = Path.Combine(shots.Directory, "garbage.onnx");
        File.WriteAllText(garbage, "not a model");
        Assert.StartsWith("ONNX model 'garbage.onnx' could not be loaded", Assert.Throws<MediaException>(() => new ImageEmbedder(Onnx.InferenceDevice.Cpu, networkPath: garbage)).Message);
    }

    [Fact]
    public async Task MovieShots_AnnotationJson_ReadAsItsOwnersLayItOut()
    {
        var root = Path.Combine(shots.Directory, "movieshots");
        var clips = Path.Combine(root, "trailer", "tt0000001");
        Directory.CreateDirectory(clips);
        var train = Path.Combine(shots.Directory, "train");
        var sources = File.ReadAllLines(Path.Combine(train, "labels.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var push = sources.First(p => p[1] == ShotMovement.Push)[0];
        var still = sources.First(p => p[1] == ShotMovement.Static)[0];
        File.Copy(Path.Combine(train, push), Path.Combine(clips, "shot_0001.mp4"));
        File.Copy(Path.Combine(train, still), Path.Combine(clips, "shot_0002.mp4"));
        var json = Path.Combine(root, "v1_full_trailer.json");
        await File.WriteAllTextAsync(json, """
            {"tt0000001": {
              "0001": {"scale": {"value": 1, "label": "CS"}, "movement": {"value": 3, "label": "Push"}},
              "0002": {"scale": {"value": 4, "label": "LS"}, "movement": {"value": 4, "label": "Static"}},
              "0003": {"scale": {"value": 2, "label": "MS"}, "movement": {"value": 1, "label": "Motion"}}}}
            """);

        var task = new MovementTask();
        var examples = await task.ExamplesAsync(Datasets.DataFiles([root], task.DataPatterns));
        Assert.Equal([ShotMovement.Push, ShotMovement.Static], examples.Select(e => e.Label)); // shot 0003 has no clip here
        Assert.Equal(await new MovementTask().ExampleFeaturesAsync(Path.Combine(clips, "shot_0001.mp4")), examples[0].Features);
        Assert.Equal(["CS", "LS"], Datasets.ReadLabels(json, "scale").Select(e => e.Label));

        await File.WriteAllTextAsync(json, """{"..": {"0001": {"movement": {"label": "Push"}}}}""");
        Assert.Equal("v1_full_trailer.json: '../0001' is not a MovieShots movie/shot id", Assert.Throws<MediaException>(() => Datasets.ReadLabels(json, "movement")).Message);
        await File.WriteAllTextAsync(json, "[1, 2");
        Assert.StartsWith("v1_full_trailer.json is not MovieShots annotation JSON", Assert.Throws<MediaException>(() => Datasets.ReadLabels(json, "movement")).Message);
    }

    [Fact]
    public void Split_IsStratifiedAndSeeded()
    {
        var examples = Enumerable.Range(0, 30).Select(i => new LabelledExample([i], i % 3 == 0 ? "a" : "b")).ToList();
        var first = Training.Split(examples, 0.2, seed: 5);
        var again = Training.Split(examples, 0.2, seed: 5);
        Assert.Equal(first[DataSplit.Test].Select(e => e.Features[0]), again[DataSplit.Test].Select(e => e.Features[0]));
        Assert.Equal((2, 4), (first[DataSplit.Test].Count(e => e.Label == "a"), first[DataSplit.Test].Count(e => e.Label == "b")));
        Assert.Equal(30, first.Values.Sum(v => v.Count));
    }
}
