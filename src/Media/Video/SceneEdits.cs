using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaCluster.Media.Reports;

namespace MediaCluster.Media.Video;

/// <summary>
/// A video's scenes where players and editors read cuts: WebVTT chapters (a player's chapter menu), a CMX3600 edit
/// decision list and an OpenTimelineIO timeline (an editor's timeline with one clip per scene, cut from the source).
/// </summary>
public static class SceneEdits
{
    /// <summary>Frames per second assumed when the probe gave none (a job recorded before the rate was kept).</summary>
    public const double DefaultFrameRate = 25;

    /// <summary>
    /// What a scene is called in a chapter menu, a timeline and an edit list's comment: "Scene 2 — outdoor, close-up"
    /// (labels are names users gave: control characters are dropped, so a title is one line).
    /// </summary>
    public static string Title(Scene scene) => scene.Labels.Count == 0
        ? $"Scene {scene.Index + 1}"
        : $"Scene {scene.Index + 1} — {Line(string.Join(", ", scene.Labels.Select(l => l.Label)), 300)}";

    /// <summary>WebVTT chapters: one cue per scene titled by <see cref="Title"/>, for a player's <c>&lt;track kind="chapters"&gt;</c>.</summary>
    public static string ChaptersVtt(IReadOnlyList<Scene> scenes)
    {
        var vtt = new StringBuilder("WEBVTT\n\n");
        foreach (var scene in scenes)
        {
            vtt.Append(CultureInfo.InvariantCulture, $"scene-{scene.Index + 1}\n")
                .Append(TranscriptFormats.Time(scene.Start, '.')).Append(" --> ").Append(TranscriptFormats.Time(scene.End, '.')).Append('\n')
                .Append(CueText(Title(scene))).Append("\n\n");
        }

        return vtt.ToString();
    }

    /// <summary>
    /// A CMX3600 edit decision list: an event per scene taking it from the source (reel <c>AX</c>, video, a cut) to the
    /// same place on the record side, non-drop-frame timecodes at the whole number of frames per second nearest
    /// <paramref name="frameRate"/>, each event followed by the clip's name and the scene's title as comments.
    /// </summary>
    public static string Edl(string title, string clipName, double frameRate, IReadOnlyList<Scene> scenes)
    {
        var rate = RateOf(frameRate);
        var timebase = Math.Max(1, (int)Math.Round(rate));
        var edl = new StringBuilder();
        edl.Append("TITLE: ").Append(Line(Path.GetFileNameWithoutExtension(title), 70)).Append('\n')
            .Append("FCM: NON-DROP FRAME\n\n");
        foreach (var scene in scenes)
        {
            var (first, end) = (FrameOf(scene.Start, rate), FrameOf(scene.End, rate));
            var (inCode, outCode) = (Timecode(first, timebase), Timecode(Math.Max(end, first + 1), timebase));
            edl.Append(CultureInfo.InvariantCulture, $"{scene.Index + 1:000}  {"AX",-8} {"V",-5} {"C",-8} {inCode} {outCode} {inCode} {outCode}\n")
                .Append("* FROM CLIP NAME: ").Append(Line(clipName, 200)).Append('\n')
                .Append("* COMMENT: ").Append(Line(Title(scene), 200)).Append("\n\n");
        }

        return edl.ToString();
    }

    /// <summary>
    /// An OpenTimelineIO timeline (<c>Timeline.1</c>): one video track with a clip per scene, each a range of the source
    /// file (<c>ExternalReference.1</c> to <paramref name="clipName"/>) in frames at <paramref name="frameRate"/>, its
    /// labels in the clip's metadata.
    /// </summary>
    public static string Otio(string title, string clipName, double frameRate, TimeSpan duration, IReadOnlyList<Scene> scenes)
    {
        var rate = RateOf(frameRate);
        var clips = new JsonArray();
        foreach (var scene in scenes)
        {
            var first = FrameOf(scene.Start, rate);
            clips.Add(new JsonObject
            {
                ["OTIO_SCHEMA"] = "Clip.2",
                ["name"] = Title(scene),
                ["metadata"] = new JsonObject { ["mediacluster"] = new JsonObject { ["scene"] = scene.Index, ["labels"] = SceneFormats.LabelsJson(scene) } },
                ["source_range"] = Range(first, Math.Max(1, FrameOf(scene.End, rate) - first), rate),
                ["effects"] = new JsonArray(),
                ["markers"] = new JsonArray(),
                ["enabled"] = true,
                ["media_references"] = new JsonObject
                {
                    ["DEFAULT_MEDIA"] = new JsonObject
                    {
                        ["OTIO_SCHEMA"] = "ExternalReference.1",
                        ["name"] = clipName,
                        ["metadata"] = new JsonObject(),
                        ["available_range"] = Range(0, Math.Max(1, FrameOf(duration, rate)), rate),
                        ["available_image_bounds"] = null,
                        ["target_url"] = clipName,
                    },
                },
                ["active_media_reference_key"] = "DEFAULT_MEDIA",
            });
        }

        var timeline = new JsonObject
        {
            ["OTIO_SCHEMA"] = "Timeline.1",
            ["name"] = title,
            ["metadata"] = new JsonObject(),
            ["global_start_time"] = null,
            ["tracks"] = new JsonObject
            {
                ["OTIO_SCHEMA"] = "Stack.1",
                ["name"] = "tracks",
                ["metadata"] = new JsonObject(),
                ["source_range"] = null,
                ["effects"] = new JsonArray(),
                ["markers"] = new JsonArray(),
                ["enabled"] = true,
                ["children"] = new JsonArray(new JsonObject
                {
                    ["OTIO_SCHEMA"] = "Track.1",
                    ["name"] = "V1",
                    ["metadata"] = new JsonObject(),
                    ["source_range"] = null,
                    ["effects"] = new JsonArray(),
                    ["markers"] = new JsonArray(),
                    ["enabled"] = true,
                    ["kind"] = "Video",
                    ["children"] = clips,
                }),
            },
        };
        return timeline.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>The frame a time falls in at <paramref name="rate"/> frames per second (nearest frame boundary).</summary>
    public static long FrameOf(TimeSpan time, double rate) => (long)Math.Round(time.TotalSeconds * rate);

    /// <summary><c>HH:MM:SS:FF</c> of frame <paramref name="frame"/> counted at <paramref name="timebase"/> frames a second (non-drop).</summary>
    public static string Timecode(long frame, int timebase)
    {
        var seconds = frame / timebase;
        return string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600 % 24:00}:{seconds / 60 % 60:00}:{seconds % 60:00}:{frame % timebase:00}");
    }

    private static double RateOf(double frameRate) => double.IsFinite(frameRate) && frameRate is > 0 and <= 1000 ? frameRate : DefaultFrameRate;

    private static JsonObject Range(long start, long frames, double rate) => new()
    {
        ["OTIO_SCHEMA"] = "TimeRange.1",
        ["start_time"] = new JsonObject { ["OTIO_SCHEMA"] = "RationalTime.1", ["rate"] = rate, ["value"] = (double)start },
        ["duration"] = new JsonObject { ["OTIO_SCHEMA"] = "RationalTime.1", ["rate"] = rate, ["value"] = (double)frames },
    };

    /// <summary>A name on one line of an edit list: control characters dropped, at most <paramref name="max"/> characters.</summary>
    private static string Line(string text, int max)
    {
        var line = new string([.. text.Where(c => !char.IsControl(c))]);
        return line.Length <= max ? line : line[..max];
    }

    /// <summary>A cue's text as WebVTT reads it literally: on one line, '&amp;', '&lt;' and '&gt;' escaped (so no tag and no "--&gt;").</summary>
    private static string CueText(string text) =>
        Line(text, 500).Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
