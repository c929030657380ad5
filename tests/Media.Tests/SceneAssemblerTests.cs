using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Video;
using MediaCluster.Testing;

namespace MediaCluster.Media.Tests;

/// <summary>Scenes made of a pass's scores and frames as they come (no ffmpeg: pictures of one shade each, numbered by time).</summary>
public sealed class SceneAssemblerTests
{
    private static readonly SceneOptions FourFrames = new() { MinScene = TimeSpan.FromSeconds(1), FramesPerScene = 4 };

    [Fact]
    public void CutsTooClose_AreDropped_FramesAtTheMiddlesOfEqualParts()
    {
        var assembler = new SceneAssembler(TimeSpan.FromSeconds(10), FourFrames);
        var closed = Feed(assembler, seconds: 10, cutsAt: [0.4, 3.0, 3.5, 9.6]);

        Assert.Equal([0.0, 3.0], closed.Select(s => s.Span.Start.TotalSeconds));
        Assert.Equal([3.0, 10.0], closed.Select(s => s.Span.End.TotalSeconds));
        Assert.Equal([0.375, 1.125, 1.875, 2.625], closed[0].Span.FrameTimes.Select(t => t.TotalSeconds));
        Assert.Equal(closed.Select(c => c.Span), assembler.Scenes);

        // Each frame is the sampled one nearest its time (0.4 is nearer 0.375 than 0.3 is; 1.1 nearer 1.125 than 1.2).
        Assert.Equal([4, 11, 19, 26], closed[0].Frames.Select(Tenth));
        Assert.Equal(closed[0].Span.FrameTimes, closed[0].Frames.Select(f => f.Time));
    }

    [Fact]
    public void AFrameWaits_UntilTheScoresHavePassedItsTime()
    {
        var assembler = new SceneAssembler(TimeSpan.FromSeconds(4), FourFrames);
        for (var tenth = 0; tenth < 25; tenth++)
        {
            Assert.Empty(assembler.Frame(Picture(tenth))); // frames run ahead of the scores (another pipe)
        }

        Score(assembler, 0, 19);
        assembler.Score(TimeSpan.FromSeconds(2), 0.9);
        var closed = assembler.Frame(Picture(25));

        // The cut at 2 s closed the first scene with none of the later frames in it.
        var first = Assert.Single(closed);
        Assert.Equal((0.0, 2.0), (first.Span.Start.TotalSeconds, first.Span.End.TotalSeconds));
        Assert.All(first.Frames, f => Assert.InRange(Tenth(f), 0, 19));
        Assert.Equal(2.0, Assert.Single(assembler.Finish()).Span.Start.TotalSeconds);
    }

    [Fact]
    public void ALongScene_IsThinned_EachFrameWithinItsLengthOverTheHold()
    {
        var seconds = 600;
        var assembler = new SceneAssembler(TimeSpan.FromSeconds(seconds), new SceneOptions());
        var scene = Assert.Single(Feed(assembler, seconds, cutsAt: []));

        var bound = TimeSpan.FromSeconds(seconds) / SceneAssembler.KeptFrames;
        Assert.All(scene.Span.FrameTimes.Zip(scene.Frames), p => Assert.InRange((TimeSpan.FromSeconds(Tenth(p.Second) / 10.0) - p.First).Duration(), TimeSpan.Zero, bound));
    }

    [Fact]
    public void ScenesGiven_AreKept_AndTheScoresIgnored()
    {
        SceneSpan[] plan = [new(0, TimeSpan.Zero, TimeSpan.FromSeconds(5), [TimeSpan.FromSeconds(1)]), new(1, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6), [TimeSpan.FromSeconds(5.5)])];
        var assembler = new SceneAssembler(TimeSpan.FromSeconds(6), FourFrames, plan);
        var closed = Feed(assembler, seconds: 6, cutsAt: [2.0]);

        Assert.Equal(plan, closed.Select(c => c.Span));
        Assert.Equal([10, 55], closed.Select(c => Tenth(Assert.Single(c.Frames))));
    }

    [Fact]
    public void NoPictureAtAll_NamesTheScene()
    {
        var assembler = new SceneAssembler(TimeSpan.FromSeconds(3), FourFrames);
        var error = Assert.Throws<MediaException>(() => assembler.Finish());
        Assert.Equal("scene 1 (0–3 s) has no picture to sample", error.Message);
    }

    [Fact]
    public async Task FrameStore_KeepsTheFramesLosslessly_AndRefusesAFileOfAnotherShape()
    {
        var folder = Directory.CreateTempSubdirectory("mc-frames-").FullName;
        try
        {
            var store = SceneFrameStore.Of(folder);
            var times = new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2) };
            var random = new Random(4);
            var frames = times.Select(t => new VideoFrame(t, SceneFinder.MotionWidth, 180, RandomBytes(random, SceneFinder.MotionWidth * 180 * 3))).ToList();
            await store.WriteAsync(new SceneFrames(new SceneSpan(3, TimeSpan.Zero, TimeSpan.FromSeconds(3), times), frames));

            Assert.True(store.Has(3));
            var read = SceneFrameStore.Read(store.PathOf(3), times);
            Assert.Equal(frames.Select(f => (f.Time, f.Width, f.Height)), read.Select(f => (f.Time, f.Width, f.Height)));
            Assert.Equal(frames.Select(f => f.Rgb), read.Select(f => f.Rgb));

            // Seven frames asked of a file of 360 rows: no whole number of rows each.
            var wrongCount = Assert.Throws<MediaException>(() => SceneFrameStore.Read(store.PathOf(3), [.. Enumerable.Range(0, 7).Select(i => TimeSpan.FromSeconds(i))]));
            Assert.Equal($"'{store.PathOf(3)}' is not a scene's 7 frames 320 wide", wrongCount.Message);

            // A crafted picture stating 32000 × 32000 is refused by its header, before any decoding.
            await File.WriteAllBytesAsync(store.PathOf(4), HostileMedia.HugePng());
            Assert.Throws<MediaException>(() => SceneFrameStore.Read(store.PathOf(4), times));
            var missing = Assert.Throws<MediaException>(() => SceneFrameStore.Read(store.PathOf(5), times));
            Assert.Equal($"the scene's frames '{store.PathOf(5)}' are not there (the job reads them again)", missing.Message);

            store.Delete();
            Assert.False(Directory.Exists(store.Directory));
            store.Delete(); // gone already: no error
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Scores every 0.1 s (0.9 at each cut, 0.01 elsewhere) and frames ten a second, interleaved; then the end.</summary>
    private static List<SceneFrames> Feed(SceneAssembler assembler, int seconds, double[] cutsAt)
    {
        var closed = new List<SceneFrames>();
        for (var tenth = 0; tenth < seconds * 10; tenth++)
        {
            var time = tenth / 10.0;
            assembler.Score(TimeSpan.FromSeconds(time), cutsAt.Any(c => Math.Abs(c - time) < 0.01) ? 0.9 : 0.01);
            closed.AddRange(assembler.Frame(Picture(tenth)));
        }

        closed.AddRange(assembler.Finish());
        return closed;
    }

    private static void Score(SceneAssembler assembler, int fromTenth, int toTenth)
    {
        for (var tenth = fromTenth; tenth <= toTenth; tenth++)
        {
            assembler.Score(TimeSpan.FromSeconds(tenth / 10.0), 0.01);
        }
    }

    /// <summary>A 2×2 picture whose bytes hold the number of the tenth of a second it was sampled at.</summary>
    private static VideoFrame Picture(int tenth)
    {
        var rgb = new byte[12];
        BitConverter.TryWriteBytes(rgb, tenth);
        return new(TimeSpan.FromSeconds(tenth / 10.0), 2, 2, rgb);
    }

    private static int Tenth(VideoFrame frame) => BitConverter.ToInt32(frame.Rgb);

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
