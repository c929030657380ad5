using System.Globalization;
using System.Net;
using System.Text.Json;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>A video's scenes where players and editors use them: chapters, an edit list, a timeline, a file per scene.</summary>
public sealed class PbmCutsTests : PbmTest
{
    [Fact]
    public async Task AVideoJob_HasChaptersAnEditListAndATimeline_PbmSplitsItAtItsScenes_AndCopiesItWithChapters()
    {
        // Three shots (3 s each at 25 fps, each starting on a keyframe) with a tone under them.
        var shots = Path.Combine(Folder, "shots.mp4");
        await ShotClips.WriteScenesAsync(
            shots, [(ShotMovement.Static, TimeSpan.FromSeconds(3)), (ShotMovement.Motion, TimeSpan.FromSeconds(3)), (ShotMovement.Push, TimeSpan.FromSeconds(3))], seed: 71, width: 320, height: 180);
        var video = Path.Combine(Folder, "three shots.mp4");
        await FfmpegRunner.RunAsync(["-i", shots, "-f", "lavfi", "-i", "sine=frequency=440:duration=9", "-c:v", "copy", "-c:a", "aac", "-shortest", video]);
        var (status, output, errors) = await PbmAsync("media", "submit", video, "--wait");
        Assert.True(status == 0, $"submit --wait exited {status}: {errors}{output}");
        var id = output.Split('\n')[0].Split(' ')[1];
        using var scenesJson = JsonDocument.Parse(await Served.Client.GetStringAsync($"/api/jobs/{id}/artifacts/scenes.json"));
        var scenes = scenesJson.RootElement.GetProperty("scenes").EnumerateArray().Select(s => (Start: s.GetProperty("start").GetDouble(), End: s.GetProperty("end").GetDouble())).ToList();
        Assert.Equal(3, scenes.Count);
        int Frames(double seconds) => (int)Math.Round(seconds * 25);

        // The artifacts: WebVTT chapters, a CMX3600 edit list and an OpenTimelineIO timeline, a scene each.
        var chaptersVtt = await Served.Client.GetStringAsync($"/api/jobs/{id}/artifacts/chapters.vtt");
        Assert.StartsWith("WEBVTT\n\nscene-1\n00:00:00.000 --> ", chaptersVtt, StringComparison.Ordinal);
        Assert.Equal(3, chaptersVtt.Split(" --> ").Length - 1);
        var edl = await Served.Client.GetStringAsync($"/api/jobs/{id}/artifacts/scenes.edl");
        Assert.StartsWith("TITLE: three shots\nFCM: NON-DROP FRAME\n\n001  AX       V     C        00:00:00:00 ", edl, StringComparison.Ordinal);
        Assert.Equal(3, edl.Split('\n').Count(l => l == "* FROM CLIP NAME: three shots.mp4"));
        Assert.Contains($"003  AX       V     C        {Timecode(scenes[2].Start)} {Timecode(scenes[2].End)} ", edl, StringComparison.Ordinal);
        using var otio = JsonDocument.Parse(await Served.Client.GetStringAsync($"/api/jobs/{id}/artifacts/scenes.otio"));
        var clips = otio.RootElement.GetProperty("tracks").GetProperty("children")[0].GetProperty("children").EnumerateArray().ToList();
        Assert.Equal(
            scenes.Select(s => ((double)Frames(s.Start), (double)(Frames(s.End) - Frames(s.Start)))),
            clips.Select(c => (c.GetProperty("source_range").GetProperty("start_time").GetProperty("value").GetDouble(), c.GetProperty("source_range").GetProperty("duration").GetProperty("value").GetDouble())));

        // pbm media split: a file per scene, each a stream copy holding exactly its scene's frames, with the sound.
        var cuts = Path.Combine(Folder, "cuts");
        (status, output, errors) = await PbmAsync("media", "split", id, "--out", cuts);
        Assert.True(status == 0, $"split exited {status}: {errors}{output}");
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("FILE\tSCENE\tSPAN\tHOW", rows[0]);
        Assert.Equal(
            [$"{cuts}/scene-001.mp4\t1\t0:00.0–{Clock(scenes[0].End)}\tstream copy (the scene starts on a keyframe and ends on one)",
             $"{cuts}/scene-002.mp4\t2\t{Clock(scenes[1].Start)}–{Clock(scenes[1].End)}\tstream copy (the scene starts on a keyframe and ends on one)",
             $"{cuts}/scene-003.mp4\t3\t{Clock(scenes[2].Start)}–{Clock(scenes[2].End)}\tstream copy (the scene starts on a keyframe)"],
            rows[1..]);
        Assert.Equal(scenes.Select(s => Frames(s.End) - Frames(s.Start)), await Task.WhenAll(Enumerable.Range(1, 3).Select(i => Ffprobe.FramesAsync(Path.Combine(cuts, $"scene-00{i}.mp4")))));
        Assert.Equal(225, scenes.Sum(s => Frames(s.End) - Frames(s.Start)));
        Assert.Equal("aac", await Ffprobe.CsvAsync("-select_streams", "a:0", "-show_entries", "stream=codec_name", Path.Combine(cuts, "scene-002.mp4")));

        // Asked again, the node answers with what it made (nothing is cut twice).
        var (again, againOutput, _) = await PbmAsync("media", "split", id, "--out", cuts);
        Assert.Equal((0, output), (again, againOutput));

        // pbm media chapters: the whole video copied with a chapter per scene, as ffprobe lists them.
        (status, output, errors) = await PbmAsync("--json", "media", "chapters", id, "--out", cuts);
        Assert.True(status == 0, $"chapters exited {status}: {errors}{output}");
        Assert.Equal("stream copy with 3 chapters", JsonDocument.Parse(output).RootElement.GetProperty("files")[0].GetProperty("note").GetString());
        var chapters = await Ffprobe.ChaptersAsync(Path.Combine(cuts, "chapters.mp4"));
        Assert.Equal(scenes.Select(s => Math.Round(s.Start, 3)), chapters.Select(c => Math.Round(c.Start, 3)));
        Assert.Equal(["Scene 1 — static, ", "Scene 2 — motion, ", "Scene 3 — push, "], chapters.Select(c => c.Title[..(c.Title.IndexOf(',', StringComparison.Ordinal) + 2)])); // then the shot's scale
        Assert.Equal(225, await Ffprobe.FramesAsync(Path.Combine(cuts, "chapters.mp4")));

        // Refusals name the cause: an audio job has no scenes, an unknown kind or file is no cut.
        var audio = SpeechSampleMaker.LibriVoxClips()[1].Path;
        (status, output, _) = await PbmAsync("media", "submit", audio, "--wait");
        Assert.Equal(0, status);
        var audioId = output.Split('\n')[0].Split(' ')[1];
        (status, _, errors) = await PbmAsync("media", "split", audioId);
        Assert.Equal((1, $"error: job {audioId} has no scenes to cut at: its media has no pictures\n"), (status, errors));
        using var unknown = await Served.Client.PostAsync($"/api/jobs/{id}/cuts/thumbnails", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Served.Client.GetAsync($"/api/jobs/{id}/cuts/split.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Served.Client.GetAsync($"/api/jobs/{id}/cuts/..%2Fmedia.mp4")).StatusCode);
    }

    private static string Timecode(double seconds) => Media.Video.SceneEdits.Timecode((long)Math.Round(seconds * 25), 25);

    private static string Clock(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"m\:ss\.f", CultureInfo.InvariantCulture);
}
