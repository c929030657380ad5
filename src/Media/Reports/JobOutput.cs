using MediaCluster.Media.Summarize;
using MediaCluster.Media.Vad;
using MediaCluster.Media.Video;

namespace MediaCluster.Media.Reports;

/// <summary>One file a completed job leaves in its output folder: its name, how it is served, whether only a video has it.</summary>
public sealed record Artifact(string Name, string ContentType, bool VideoOnly = false);

/// <summary>
/// What a completed job leaves in its output folder — the one list of artifact names and content types that the
/// writer, the API, pbm, the demo and the tests use — and the writer itself (each file written atomically).
/// </summary>
public static class JobOutput
{
    public static readonly Artifact TranscriptText = new("transcript.txt", "text/plain; charset=utf-8");
    public static readonly Artifact Subtitles = new("transcript.srt", "text/plain; charset=utf-8");
    public static readonly Artifact WebVtt = new("transcript.vtt", "text/vtt; charset=utf-8");
    public static readonly Artifact TranscriptJson = new("transcript.json", "application/json; charset=utf-8");
    public static readonly Artifact VoiceActivity = new("vad.rttm", "text/plain; charset=utf-8");
    public static readonly Artifact Speakers = new("diarization.rttm", "text/plain; charset=utf-8");
    public static readonly Artifact SummaryText = new("summary.txt", "text/plain; charset=utf-8");
    public static readonly Artifact Report = new("report.pdf", "application/pdf");
    public static readonly Artifact ScenesJson = new("scenes.json", "application/json; charset=utf-8", VideoOnly: true);
    public static readonly Artifact ScenesCsv = new("scenes.csv", "text/csv; charset=utf-8", VideoOnly: true);
    public static readonly Artifact ContactSheet = new("contact-sheet.jpg", "image/jpeg", VideoOnly: true);
    public static readonly Artifact Chapters = new("chapters.vtt", "text/vtt; charset=utf-8", VideoOnly: true);
    public static readonly Artifact EditList = new("scenes.edl", "text/plain; charset=utf-8", VideoOnly: true);
    public static readonly Artifact Timeline = new("scenes.otio", "application/json; charset=utf-8", VideoOnly: true);

    /// <summary>A completed upload's media, kept beside its results as <c>media.EXT</c> (not an artifact: it is the input).</summary>
    public const string MediaFileName = "media";

    /// <summary>Every artifact there is, speech ones first.</summary>
    public static IReadOnlyList<Artifact> All { get; } =
        [TranscriptText, Subtitles, WebVtt, TranscriptJson, VoiceActivity, Speakers, SummaryText, Report, ScenesJson, ScenesCsv, ContactSheet, Chapters, EditList, Timeline];

    /// <summary>The artifacts a completed job leaves: the speech ones, and with a video the scene ones.</summary>
    public static IReadOnlyList<Artifact> Of(bool video) => [.. All.Where(a => video || !a.VideoOnly)];

    /// <summary>The artifact named <paramref name="name"/>, or null when there is none (so no other file of the folder is ever served).</summary>
    public static Artifact? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    /// <summary>Writes every artifact of a job into <paramref name="directory"/> (the scene ones only with <paramref name="scenes"/>).</summary>
    public static async Task WriteAsync(JobResult result, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        string At(Artifact artifact) => Path.Combine(directory, artifact.Name);
        List<SceneSheetRow>? sheetRows = null;
        if (result.Scenes is { Count: > 0 } scenes)
        {
            var thumbnails = SceneFormats.Thumbnails(SceneFrameStore.Of(directory), scenes);
            await AtomicFile.WriteTextAsync(At(ScenesJson), SceneFormats.Json(scenes)).ConfigureAwait(false);
            await AtomicFile.WriteTextAsync(At(ScenesCsv), SceneFormats.Csv(scenes)).ConfigureAwait(false);
            await AtomicFile.WriteTextAsync(At(Chapters), SceneEdits.ChaptersVtt(scenes)).ConfigureAwait(false);
            await AtomicFile.WriteTextAsync(At(EditList), SceneEdits.Edl(result.Title, result.Title, result.FrameRate, scenes)).ConfigureAwait(false);
            await AtomicFile.WriteTextAsync(At(Timeline), SceneEdits.Otio(result.Title, result.Title, result.FrameRate, result.Transcript.Duration, scenes)).ConfigureAwait(false);
            var sheet = SceneFormats.ContactSheet(scenes, thumbnails);
            await AtomicFile.WriteAsync(At(ContactSheet), stream => stream.WriteAsync(sheet).AsTask()).ConfigureAwait(false);
            sheetRows = [.. thumbnails.Select((frames, i) => new SceneSheetRow(SceneFormats.Caption(scenes[i]), [.. frames.Select(SceneFormats.Jpeg)]))];
        }

        var transcript = result.Transcript;
        var summary = result.Summary;
        await WriteTranscriptAsync(directory, transcript).ConfigureAwait(false);
        await AtomicFile.WriteTextAsync(At(VoiceActivity), TranscriptFormats.Rttm(Path.GetFileNameWithoutExtension(result.Title), result.Speech)).ConfigureAwait(false);
        await AtomicFile.WriteTextAsync(At(SummaryText), $"{summary.Text}\n\nKeywords: {string.Join(", ", summary.Keywords.Select(k => k.Word))}\n").ConfigureAwait(false);
        var report = new ReportContent(
            $"Report: {result.Title}",
            [("File", result.Title), ("Container", result.Container), ("Streams", result.Streams),
             ("Duration", TranscriptFormats.Time(transcript.Duration, '.')), ("Engine", $"{transcript.Engine} ({transcript.Model}), Silero VAD v5")],
            transcript,
            summary,
            result.Speech,
            sheetRows);
        await ReportInputs.KeepAsync(directory, report).ConfigureAwait(false);
        await PdfReport.WriteAsync(At(Report), report).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the artifacts that name speakers again with <paramref name="speakers"/>' names: the transcript's text,
    /// SRT, WebVTT and JSON (read back from the JSON written before), the diarization RTTM, and the PDF report (from
    /// the inputs kept beside the results, <see cref="ReportInputs"/>; a job of an earlier release kept none, and its
    /// report keeps the names it was written with).
    /// </summary>
    public static async Task RewriteSpeakersAsync(string directory, Diarization.SpeakerTurns speakers)
    {
        var transcript = TranscriptFormats.ParseJson(await File.ReadAllTextAsync(Path.Combine(directory, TranscriptJson.Name)).ConfigureAwait(false)) with { Speakers = speakers };
        await WriteTranscriptAsync(directory, transcript).ConfigureAwait(false);
        if (await ReportInputs.ReadAsync(directory, transcript).ConfigureAwait(false) is { } report)
        {
            await PdfReport.WriteAsync(Path.Combine(directory, Report.Name), report).ConfigureAwait(false);
        }
    }

    /// <summary>The transcript's files — text, SRT, WebVTT, JSON — and its speakers' RTTM (the job's title, the transcript's source, as its file id).</summary>
    private static async Task WriteTranscriptAsync(string directory, Transcript transcript)
    {
        string At(Artifact artifact) => Path.Combine(directory, artifact.Name);
        await AtomicFile.WriteTextAsync(At(TranscriptText), TranscriptFormats.Txt(transcript)).ConfigureAwait(false);
        await AtomicFile.WriteTextAsync(At(Subtitles), TranscriptFormats.Srt(transcript)).ConfigureAwait(false);
        await AtomicFile.WriteTextAsync(At(WebVtt), TranscriptFormats.Vtt(transcript)).ConfigureAwait(false);
        await AtomicFile.WriteTextAsync(At(TranscriptJson), TranscriptFormats.Json(transcript)).ConfigureAwait(false);
        await AtomicFile.WriteTextAsync(At(Speakers), TranscriptFormats.SpeakerRttm(Path.GetFileNameWithoutExtension(transcript.Source), transcript.Speakers)).ConfigureAwait(false);
    }
}

/// <summary>What a job's artifacts are made of.</summary>
/// <param name="Scenes">A video's scenes, their frames kept in the output folder's <see cref="SceneFrameStore"/>.</param>
/// <param name="FrameRate">The picture stream's frames a second (0 when unknown): the edit list's and timeline's frames.</param>
public sealed record JobResult(
    string Title,
    string Container,
    string Streams,
    double FrameRate,
    Transcript Transcript,
    Summary Summary,
    IReadOnlyList<SpeechSegment> Speech,
    IReadOnlyList<Scene>? Scenes);
