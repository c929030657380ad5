using System.Text.Json;
using MediaCluster.Media.Summarize;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media.Reports;

/// <summary>
/// What report.pdf is made of besides the transcript, kept beside a job's results in a hidden folder (no artifact,
/// never served): the title, the facts, the summary, the speech regions and each scene's caption, and each scene's
/// thumbnails as JPEG files — so that the report can be written again with new speaker names after the job's frames
/// are gone. Read back as hostile: bounded, and a file that does not parse is said to be damaged.
/// </summary>
public static class ReportInputs
{
    /// <summary>The folder's name inside a job's output folder.</summary>
    public const string FolderName = ".report";

    /// <summary>The largest inputs file read, and the largest thumbnail.</summary>
    public const long MaxFileBytes = 16L * 1024 * 1024;

    private const string InputsFile = "inputs.json";

    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Keeps <paramref name="content"/> (less the transcript) in <paramref name="directory"/>'s hidden folder.</summary>
    public static async Task KeepAsync(string directory, ReportContent content)
    {
        var folder = Path.Combine(directory, FolderName);
        Directory.CreateDirectory(folder);
        var scenes = content.Scenes ?? [];
        for (var s = 0; s < scenes.Count; s++)
        {
            for (var t = 0; t < scenes[s].Thumbnails.Count; t++)
            {
                var jpeg = scenes[s].Thumbnails[t];
                await AtomicFile.WriteAsync(Path.Combine(folder, Thumbnail(s, t)), stream => stream.WriteAsync(jpeg).AsTask()).ConfigureAwait(false);
            }
        }

        var kept = new Kept(
            content.Title,
            [.. content.Facts.Select(f => new Fact(f.Name, f.Value))],
            [.. content.Summary.Points],
            [.. content.Summary.Keywords],
            [.. content.Speech.Select(s => new Region(s.Index, s.StartSample, s.EndSample))],
            content.Scenes is null ? null : [.. scenes.Select(s => new KeptScene(s.Caption, s.Thumbnails.Count))]);
        await AtomicFile.WriteTextAsync(Path.Combine(folder, InputsFile), JsonSerializer.Serialize(kept, s_json)).ConfigureAwait(false);
    }

    /// <summary>The report's content with <paramref name="transcript"/>, or null when none was kept (a job of an earlier release).</summary>
    public static async Task<ReportContent?> ReadAsync(string directory, Transcript transcript)
    {
        var folder = Path.Combine(directory, FolderName);
        var file = new FileInfo(Path.Combine(folder, InputsFile));
        if (!file.Exists)
        {
            return null;
        }

        Kept kept;
        try
        {
            kept = file.Length <= MaxFileBytes
                ? JsonSerializer.Deserialize<Kept>(await File.ReadAllTextAsync(file.FullName).ConfigureAwait(false), s_json) ?? throw new JsonException("empty")
                : throw new JsonException($"{file.Length} bytes, over {MaxFileBytes}");
        }
        catch (JsonException ex)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"the report's inputs '{file.FullName}' are damaged: {ex.Message}");
        }

        List<SceneSheetRow>? rows = null;
        if (kept.Scenes is { } scenes)
        {
            rows = [];
            for (var s = 0; s < scenes.Count; s++)
            {
                var thumbnails = new List<byte[]>();
                for (var t = 0; t < Math.Clamp(scenes[s].Thumbnails, 0, 64); t++)
                {
                    var jpeg = new FileInfo(Path.Combine(folder, Thumbnail(s, t)));
                    if (jpeg.Exists && jpeg.Length <= MaxFileBytes)
                    {
                        thumbnails.Add(await File.ReadAllBytesAsync(jpeg.FullName).ConfigureAwait(false));
                    }
                }

                rows.Add(new SceneSheetRow(scenes[s].Caption, thumbnails));
            }
        }

        return new ReportContent(
            kept.Title,
            [.. kept.Facts.Select(f => (f.Name, f.Value))],
            transcript,
            new Summary(kept.Points, kept.Keywords),
            [.. kept.Speech.Select(r => new SpeechSegment(r.Index, r.StartSample, r.EndSample))],
            rows);
    }

    private static string Thumbnail(int scene, int index) => $"scene-{scene:D5}-{index:D2}.jpg";

    private sealed record Kept(string Title, List<Fact> Facts, List<SummaryPoint> Points, List<Keyword> Keywords, List<Region> Speech, List<KeptScene>? Scenes);

    private sealed record Fact(string Name, string Value);

    private sealed record Region(int Index, long StartSample, long EndSample);

    private sealed record KeptScene(string Caption, int Thumbnails);
}
