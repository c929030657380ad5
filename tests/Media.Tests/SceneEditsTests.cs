using System.Text.Json;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Learning;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Video;
using MediaCluster.Testing;

namespace MediaCluster.Media.Tests;

/// <summary>A 3-shot video (25 fps, 1.6 + 2 + 1.2 s, each shot starting on a keyframe) and a copy of it with one keyframe only.</summary>
public sealed class CutVideos : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mc-cuts-").FullName;

    public string OnKeyframes => Path.Combine(Directory, "three shots.mp4");

    public string OneKeyframe => Path.Combine(Directory, "one keyframe.mkv");

    public IReadOnlyList<Scene> Scenes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var made = await ShotClips.WriteScenesAsync(
            OnKeyframes,
            [(ShotMovement.Static, TimeSpan.FromSeconds(1.6)), (ShotMovement.Motion, TimeSpan.FromSeconds(2)), (ShotMovement.Push, TimeSpan.FromSeconds(1.2))],
            seed: 5,
            width: 160,
            height: 90);
        Scenes = [.. made.Select((m, i) => new Scene(i, m.Start, m.End, [], [new ModelLabel("shot-movement", m.Movement, 0.9, 1)]))];
        await FfmpegRunner.RunAsync(["-i", OnKeyframes, "-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "keyint=1000:scenecut=0", OneKeyframe]);
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class SceneEditsTests(CutVideos videos) : IClassFixture<CutVideos>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Split_ScenesOnKeyframes_AreStreamCopies_WithExactlyTheirFrames()
    {
        var folder = Path.Combine(videos.Directory, "split-copied");

        var cuts = await VideoCuts.SplitAsync(videos.OnKeyframes, videos.Scenes, 25, folder, Deadline, CancellationToken.None);

        Assert.Equal(["scene-001.mp4", "scene-002.mp4", "scene-003.mp4"], cuts.Select(c => c.Name));
        Assert.All(cuts, c => Assert.True(c.Copied, $"{c.Name}: {c.Note}"));
        Assert.Equal("stream copy (the scene starts on a keyframe and ends on one)", cuts[0].Note);
        Assert.Equal("stream copy (the scene starts on a keyframe)", cuts[2].Note);
        Assert.Equal(new[] { 40, 50, 30 }, await Task.WhenAll(cuts.Select(c => Ffprobe.FramesAsync(Path.Combine(folder, c.Name)))));
        Assert.Equal(["h264", "h264", "h264"], await Task.WhenAll(cuts.Select(c => Ffprobe.CsvAsync("-show_entries", "stream=codec_name", Path.Combine(folder, c.Name)))));
        Assert.Equal(3, Directory.GetFiles(folder).Length); // no temporary file left
    }

    [Fact]
    public async Task Split_ScenesBetweenKeyframes_AreReencoded_SaidSo_StillFrameAccurate()
    {
        var folder = Path.Combine(videos.Directory, "split-encoded");
        Assert.Equal([0.0], await VideoCuts.KeyframesAsync(videos.OneKeyframe, Deadline, CancellationToken.None));

        var cuts = await VideoCuts.SplitAsync(videos.OneKeyframe, videos.Scenes, 25, folder, Deadline, CancellationToken.None);

        Assert.Equal(["scene-001.mkv", "scene-002.mkv", "scene-003.mkv"], cuts.Select(c => c.Name));
        Assert.All(cuts, c => Assert.False(c.Copied, c.Name));
        Assert.Equal("re-encoded: the scene ends at 1.600 s, between keyframes at 0.000 s and the end", cuts[0].Note);
        Assert.Equal("re-encoded: the scene starts at 1.600 s, between keyframes at 0.000 s and the end", cuts[1].Note);
        Assert.Equal(new[] { 40, 50, 30 }, await Task.WhenAll(cuts.Select(c => Ffprobe.FramesAsync(Path.Combine(folder, c.Name)))));
    }

    [Fact]
    public async Task Chapters_AreInACopyOfTheVideo_AsFfprobeListsThem_ThePicturesCopied()
    {
        var output = Path.Combine(videos.Directory, "chapters.mp4");

        await VideoCuts.WriteChaptersAsync(videos.OnKeyframes, videos.Scenes, output, Deadline, CancellationToken.None);

        Assert.Equal(
            [(0, 1.6, "Scene 1 — static"), (1.6, 3.6, "Scene 2 — motion"), (3.6, 4.8, "Scene 3 — push")],
            await Ffprobe.ChaptersAsync(output));
        Assert.Equal(120, await Ffprobe.FramesAsync(output));
        // The picture stream copied as it was (an MP4 keeps its chapters in a text track of its own besides).
        Assert.Equal(
            await Ffprobe.CsvAsync("-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,bit_rate", videos.OnKeyframes),
            await Ffprobe.CsvAsync("-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,bit_rate", output));
    }

    [Fact]
    public void ChaptersVtt_IsACuePerScene_ALabelCannotAddTagsOrCues()
    {
        Scene[] scenes =
        [
            new(0, TimeSpan.Zero, TimeSpan.FromSeconds(1.6), [], []),
            new(1, TimeSpan.FromSeconds(1.6), TimeSpan.FromSeconds(3725.25), [], [new ModelLabel("t", "<b>a</b> --> & \nb", 0.5, 1), new ModelLabel("u", "wide", 0.7, 2)]),
        ];

        Assert.Equal(
            "WEBVTT\n\nscene-1\n00:00:00.000 --> 00:00:01.600\nScene 1\n\n"
            + "scene-2\n00:00:01.600 --> 01:02:05.250\nScene 2 — &lt;b&gt;a&lt;/b&gt; --&gt; &amp; b, wide\n\n",
            SceneEdits.ChaptersVtt(scenes));
        Assert.Equal(
            ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1600\ntitle=Scene 1\n"
            + "[CHAPTER]\nTIMEBASE=1/1000\nSTART=1600\nEND=3725250\ntitle=Scene 2 — <b>a</b> --> & b, wide\n",
            VideoCuts.FfMetadata(scenes));
    }

    [Fact]
    public void Edl_IsCmx3600_AnEventPerScene_NonDropTimecodes_TheClipNamed()
    {
        var edl = SceneEdits.Edl("three shots.mp4", "three shots.mp4", 29.97, videos.Scenes);

        Assert.Equal(
            "TITLE: three shots\nFCM: NON-DROP FRAME\n\n"
            + "001  AX       V     C        00:00:00:00 00:00:01:18 00:00:00:00 00:00:01:18\n* FROM CLIP NAME: three shots.mp4\n* COMMENT: Scene 1 — static\n\n"
            + "002  AX       V     C        00:00:01:18 00:00:03:18 00:00:01:18 00:00:03:18\n* FROM CLIP NAME: three shots.mp4\n* COMMENT: Scene 2 — motion\n\n"
            + "003  AX       V     C        00:00:03:18 00:00:04:24 00:00:03:18 00:00:04:24\n* FROM CLIP NAME: three shots.mp4\n* COMMENT: Scene 3 — push\n\n",
            edl);
        Assert.Equal("10:00:00:00", SceneEdits.Timecode(36000 * 25, 25));
        Assert.Equal("00:00:59:29", SceneEdits.Timecode(59 * 30 + 29, 30));
        Assert.StartsWith("TITLE: ab\n", SceneEdits.Edl("a\nb.mp4", "x", 0, []), StringComparison.Ordinal);
    }

    [Fact]
    public void Otio_IsATimelineOfAClipPerScene_RangesInFramesOfTheSource()
    {
        using var json = JsonDocument.Parse(SceneEdits.Otio("three shots.mp4", "three shots.mp4", 25, TimeSpan.FromSeconds(4.8), videos.Scenes));

        var root = json.RootElement;
        Assert.Equal("Timeline.1", root.GetProperty("OTIO_SCHEMA").GetString());
        var track = Assert.Single(root.GetProperty("tracks").GetProperty("children").EnumerateArray());
        Assert.Equal(("Track.1", "Video"), (track.GetProperty("OTIO_SCHEMA").GetString(), track.GetProperty("kind").GetString()));
        var clips = track.GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(["Scene 1 — static", "Scene 2 — motion", "Scene 3 — push"], clips.Select(c => c.GetProperty("name").GetString()));
        (double Start, double Frames, double Rate) Range(JsonElement range) => (
            range.GetProperty("start_time").GetProperty("value").GetDouble(),
            range.GetProperty("duration").GetProperty("value").GetDouble(),
            range.GetProperty("duration").GetProperty("rate").GetDouble());
        Assert.Equal([(0, 40, 25), (40, 50, 25), (90, 30, 25)], clips.Select(c => Range(c.GetProperty("source_range"))));
        var media = clips[1].GetProperty("media_references").GetProperty(clips[1].GetProperty("active_media_reference_key").GetString()!);
        Assert.Equal(("ExternalReference.1", "three shots.mp4"), (media.GetProperty("OTIO_SCHEMA").GetString(), media.GetProperty("target_url").GetString()));
        Assert.Equal((0, 120, 25), Range(media.GetProperty("available_range")));
        Assert.Equal("motion", clips[1].GetProperty("metadata").GetProperty("mediacluster").GetProperty("labels").GetProperty("shot-movement").GetProperty("label").GetString());
    }
}
