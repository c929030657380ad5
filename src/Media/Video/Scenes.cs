using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaCluster.Media.Ffmpeg;
using OpenCvSharp;

namespace MediaCluster.Media.Video;

/// <summary>A scene as a job reports it: its span, its sampled frames' times and its labels.</summary>
public sealed record Scene(int Index, TimeSpan Start, TimeSpan End, IReadOnlyList<TimeSpan> FrameTimes, IReadOnlyList<Learning.ModelLabel> Labels);

/// <summary>scenes.json, scenes.csv, the contact sheet and report thumbnails.</summary>
public static class SceneFormats
{
    /// <summary>Thumbnails on the contact sheet and in the report are this wide (16:9 pictures: 68 high).</summary>
    public const int ThumbnailWidth = 120;

    /// <summary>
    /// The contact sheet and the report show at most this many scenes (scenes.json and scenes.csv have all): their
    /// thumbnails are held at once while the sheet is made, 8 × 300 × 120×68 RGB ≈ 59 MB at most.
    /// </summary>
    public const int MaxSheetScenes = 300;

    private const int CaptionHeight = 20;

    /// <summary><c>{"scenes": [{index, start, end, frames, labels: {task: {label, confidence, model_version}}}]}</c>, times in seconds.</summary>
    public static string Json(IReadOnlyList<Scene> scenes)
    {
        var array = new JsonArray();
        foreach (var scene in scenes)
        {
            array.Add(new JsonObject
            {
                ["index"] = scene.Index,
                ["start"] = Math.Round(scene.Start.TotalSeconds, 3),
                ["end"] = Math.Round(scene.End.TotalSeconds, 3),
                ["frames"] = new JsonArray([.. scene.FrameTimes.Select(t => (JsonNode)Math.Round(t.TotalSeconds, 3))]),
                ["labels"] = LabelsJson(scene),
            });
        }

        return new JsonObject { ["scenes"] = array }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>A scene's labels as scenes.json (and the OTIO clips' metadata) give them: <c>{task: {label, confidence, model_version}}</c>.</summary>
    public static JsonObject LabelsJson(Scene scene)
    {
        var labels = new JsonObject();
        foreach (var label in scene.Labels)
        {
            labels[label.Task] = new JsonObject
            {
                ["label"] = label.Label,
                ["confidence"] = Math.Round(label.Confidence, 4),
                ["model_version"] = label.ModelVersion,
            };
        }

        return labels;
    }

    /// <summary>
    /// The scenes of a <see cref="Json"/> document (frames' times left out); anything else is a <see cref="MediaException"/>
    /// naming what does not read. The caller bounds the text's size.
    /// </summary>
    public static IReadOnlyList<Scene> ParseJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            var scenes = new List<Scene>();
            foreach (var scene in document.RootElement.GetProperty("scenes").EnumerateArray())
            {
                var labels = scene.GetProperty("labels").EnumerateObject().Select(task => new Learning.ModelLabel(
                    task.Name,
                    task.Value.GetProperty("label").GetString() ?? string.Empty,
                    task.Value.GetProperty("confidence").GetDouble(),
                    task.Value.GetProperty("model_version").GetInt32())).ToList();
                var (start, end) = (scene.GetProperty("start").GetDouble(), scene.GetProperty("end").GetDouble());
                if (!double.IsFinite(start) || !double.IsFinite(end) || start < 0 || end < start || end > TimeSpan.MaxValue.TotalSeconds / 2)
                {
                    throw new FormatException($"scene {scenes.Count + 1} spans {start}-{end} s");
                }

                scenes.Add(new Scene(scene.GetProperty("index").GetInt32(), TimeSpan.FromSeconds(start), TimeSpan.FromSeconds(end), [], labels));
            }

            return scenes;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"scenes.json does not read as the scenes a job wrote ({ex.Message})", ex);
        }
    }

    /// <summary>One row per scene: index, start, end, then label, confidence and model version per task (tasks in order of name).</summary>
    public static string Csv(IReadOnlyList<Scene> scenes)
    {
        var tasks = scenes.SelectMany(s => s.Labels.Select(l => l.Task)).Distinct().Order(StringComparer.Ordinal).ToList();
        var csv = new StringBuilder("index,start,end");
        foreach (var task in tasks)
        {
            csv.Append(CultureInfo.InvariantCulture, $",{task},{task}_confidence,{task}_model_version");
        }

        csv.Append('\n');
        foreach (var scene in scenes)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{scene.Index},{scene.Start.TotalSeconds:0.###},{scene.End.TotalSeconds:0.###}");
            foreach (var task in tasks)
            {
                var label = scene.Labels.FirstOrDefault(l => l.Task == task);
                csv.Append(label is null ? ",,," : string.Create(CultureInfo.InvariantCulture, $",{label.Label},{label.Confidence:0.####},{label.ModelVersion}"));
            }

            csv.Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>The index, start and first task's label of each row of a <see cref="Csv"/> (for the demo and tests); a row that does not read is an error naming its line.</summary>
    public static IReadOnlyList<(int Index, TimeSpan Start, string Label)> ParseCsv(string csv) =>
        [.. Learning.DataCsv.Records(csv, "scenes.csv").Skip(1).Select(record => record.Fields is [var index, var start, _, ..] fields
            && int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            && double.TryParse(start, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
                ? (i, TimeSpan.FromSeconds(seconds), fields.Length > 3 ? fields[3] : string.Empty)
                : throw new MediaException(MediaErrorKind.InvalidInput, $"scenes.csv line {record.Line}: expected index,start,end,… got '{string.Join(',', record.Fields)}'"))];

    /// <summary>
    /// Thumbnails of every shown scene's frames, <see cref="ThumbnailWidth"/> wide, made from the frames the job's pass
    /// kept (no decoding): <c>[scene][frame]</c>.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<VideoFrame>> Thumbnails(SceneFrameStore store, IReadOnlyList<Scene> scenes) =>
        [.. scenes.Take(MaxSheetScenes).Select(scene => (IReadOnlyList<VideoFrame>)[.. SceneFrameStore.Read(store.PathOf(scene.Index), scene.FrameTimes).Select(Thumbnail)])];

    private static VideoFrame Thumbnail(VideoFrame frame)
    {
        var height = Math.Max(2, (int)Math.Round(ThumbnailWidth * frame.Height / (double)frame.Width / 2) * 2);
        using var full = Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, frame.Rgb);
        using var small = new Mat();
        Cv2.Resize(full, small, new Size(ThumbnailWidth, height), interpolation: InterpolationFlags.Area);
        var rgb = new byte[ThumbnailWidth * height * 3];
        System.Runtime.InteropServices.Marshal.Copy(small.Data, rgb, 0, rgb.Length);
        return new VideoFrame(frame.Time, ThumbnailWidth, height, rgb);
    }

    /// <summary>
    /// The contact sheet as a JPEG: a row per scene (up to <see cref="MaxSheetScenes"/>) of its frames, under a caption
    /// with the scene's number, span and labels.
    /// </summary>
    public static byte[] ContactSheet(IReadOnlyList<Scene> scenes, IReadOnlyList<IReadOnlyList<VideoFrame>> thumbnails)
    {
        if (thumbnails.Count == 0)
        {
            throw new ArgumentException("a contact sheet needs at least one scene", nameof(thumbnails));
        }

        var columns = thumbnails.Max(t => t.Count);
        var height = thumbnails[0][0].Height;
        var rowHeight = height + CaptionHeight;
        using var sheet = new Mat(rowHeight * thumbnails.Count, columns * ThumbnailWidth, MatType.CV_8UC3, new Scalar(32, 32, 32));
        for (var row = 0; row < thumbnails.Count; row++)
        {
            var top = row * rowHeight;
            Cv2.PutText(sheet, Caption(scenes[row]), new Point(6, top + 14), HersheyFonts.HersheySimplex, 0.45, new Scalar(235, 235, 235), 1, LineTypes.AntiAlias);
            for (var column = 0; column < thumbnails[row].Count; column++)
            {
                var frame = thumbnails[row][column];
                using var bgr = FramePictures.ToBgr(frame);
                using var cell = new Mat(sheet, new Rect(column * ThumbnailWidth, top + CaptionHeight, frame.Width, Math.Min(frame.Height, height)));
                bgr[new Rect(0, 0, frame.Width, Math.Min(frame.Height, height))].CopyTo(cell);
            }
        }

        return sheet.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
    }

    /// <summary>A frame as a JPEG (the report's thumbnails).</summary>
    public static byte[] Jpeg(VideoFrame frame)
    {
        using var bgr = FramePictures.ToBgr(frame);
        return bgr.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
    }

    /// <summary>"#1  0:00.0-0:03.0  static 97%" (ASCII: the sheet's font has no dash or accents).</summary>
    public static string Caption(Scene scene) =>
        string.Create(CultureInfo.InvariantCulture, $"#{scene.Index + 1}  {Clock(scene.Start)}-{Clock(scene.End)}  ")
        + string.Join("  ", scene.Labels.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Label} {l.Confidence * 100:0}%")));

    private static string Clock(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss\.f", CultureInfo.InvariantCulture)
        : t.ToString(@"m\:ss\.f", CultureInfo.InvariantCulture);
}
