using System.Diagnostics;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Reports;
using MediaCluster.Testing;
using MediaCluster.Media.Summarize;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media.Tests;

[Collection(MediaCollection.Name)]
public sealed class ReportTests(MediaFiles files)
{
    private static readonly Transcript s_transcript = new(
        "talk – Grüße.mp4",
        TimeSpan.FromSeconds(75.5),
        "pocketsphinx",
        "en-us",
        [
            new TranscriptSegment(0, TimeSpan.FromSeconds(1.25), TimeSpan.FromSeconds(4.5), "the river flooded the valley", 0.8,
                [new RecognizedWord("the", TimeSpan.FromSeconds(1.25), TimeSpan.FromSeconds(1.4), 0.9), new RecognizedWord("river", TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(1.9), 0.7)]),
            new TranscriptSegment(1, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(9.75), "farmers moved their cattle away from the river valley", 0.6, []),
            new TranscriptSegment(2, TimeSpan.FromSeconds(3661.007), TimeSpan.FromSeconds(3662), "nobody expected the flood", 0.5, []),
        ]);

    [Fact]
    public void Srt_ParsesBackToTheSegments()
    {
        var cues = SubtitleParser.ParseSrt(TranscriptFormats.Srt(s_transcript));
        Assert.Equal(s_transcript.Segments.Select(s => (s.Start, s.End, s.Text)), cues.Select(c => (c.Start, c.End, c.Text)));
        Assert.StartsWith("1\n00:00:01,250 --> 00:00:04,500\nthe river flooded the valley\n\n2\n", TranscriptFormats.Srt(s_transcript));
    }

    [Fact]
    public void Vtt_ParsesBackToTheSegments()
    {
        var text = TranscriptFormats.Vtt(s_transcript);
        Assert.StartsWith("WEBVTT\n\n00:00:01.250 --> 00:00:04.500\n", text);
        var cues = SubtitleParser.ParseVtt(text);
        Assert.Equal(s_transcript.Segments.Select(s => (s.Start, s.End, s.Text)), cues.Select(c => (c.Start, c.End, c.Text)));
        Assert.Contains("01:01:01.007 --> 01:01:02.000", text);
    }

    [Fact]
    public void Json_RoundTrips()
    {
        var back = TranscriptFormats.ParseJson(TranscriptFormats.Json(s_transcript));
        Assert.Equal(s_transcript.Source, back.Source);
        Assert.Equal(s_transcript.Engine, back.Engine);
        Assert.Equal(s_transcript.Duration, back.Duration);
        Assert.Equal(s_transcript.Segments.Count, back.Segments.Count);
        for (var i = 0; i < back.Segments.Count; i++)
        {
            Assert.Equal(s_transcript.Segments[i] with { Words = [] }, back.Segments[i] with { Words = [] });
            Assert.Equal(s_transcript.Segments[i].Words, back.Segments[i].Words);
        }
    }

    [Fact]
    public void Txt_AndRttm_HaveOneLinePerSegment()
    {
        Assert.Equal("the river flooded the valley\nfarmers moved their cattle away from the river valley\nnobody expected the flood\n", TranscriptFormats.Txt(s_transcript));
        var rttm = TranscriptFormats.Rttm("my talk", [new SpeechSegment(0, 16000, 40000)]);
        Assert.Equal("SPEAKER my_talk 1 1.000 1.500 <NA> <NA> speech <NA> <NA>\n", rttm);
    }

    [Fact]
    public async Task Pdf_TextHoldsSummaryAndTranscript_OverSeveralPages()
    {
        var segments = Enumerable.Range(0, 120)
            .Select(i => new TranscriptSegment(i, TimeSpan.FromSeconds(i * 5), TimeSpan.FromSeconds((i * 5) + 4), $"utterance number {i} about the river valley and the flood", 0.7, []))
            .ToList();
        var transcript = s_transcript with { Segments = segments, Duration = TimeSpan.FromMinutes(10) };
        var summary = TextRank.Summarize(segments.Select(s => s.Text).ToList());
        var path = Path.Combine(files.Directory, "report – Grüße.pdf");
        await PdfReport.WriteAsync(path, new ReportContent(
            "Report: talk – Grüße.mp4",
            [("Duration", "10:00"), ("Container", "mov,mp4")],
            transcript,
            summary,
            segments.Select(s => new SpeechSegment(s.Index, (long)(s.Start.TotalSeconds * 16000), (long)(s.End.TotalSeconds * 16000))).ToList()));

        var text = await Testing.PdfText.ReadAsync(path);
        Assert.Contains("Report: talk – Grüße.mp4", text);
        Assert.Contains("Summary", text);
        Assert.Contains(summary.Keywords[0].Word, text);
        Assert.Contains("utterance number 0 about", text);
        Assert.Contains("utterance number 119 about", text);
        Assert.Contains("[00:09:55.000 – 00:09:59.000]", text);
        Assert.True(text.Count(c => c == '\f') >= 3, "a 120-segment transcript should fill several pages");
        Assert.Empty(Directory.GetFiles(files.Directory, "*.tmp"));
    }

    [Fact]
    public async Task ReportInputs_KeptBesideTheResults_ReadBackWhole_AndADamagedFileIsSaidToBe()
    {
        var summary = TextRank.Summarize(s_transcript.Segments.Select(s => s.Text).ToList());
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xD9];
        var content = new ReportContent(
            "Report: talk.mp4",
            [("File", "talk.mp4"), ("Container", "mov,mp4")],
            s_transcript,
            summary,
            [new SpeechSegment(0, 16_000, 48_000), new SpeechSegment(1, 64_000, 80_000)],
            [new SceneSheetRow("Scene 1: 0:00–0:03, static", [jpeg, [.. jpeg, 0]]), new SceneSheetRow("Scene 2: 0:03–0:06, push", [])]);
        var folder = Path.Combine(files.Directory, "job");
        await ReportInputs.KeepAsync(folder, content);

        // Everything but the transcript, which comes from the caller (the transcript read back with new names).
        var renamed = s_transcript with { Source = "renamed" };
        var back = (await ReportInputs.ReadAsync(folder, renamed))!;
        Assert.Equal((content.Title, renamed), (back.Title, back.Transcript));
        Assert.Equal(content.Facts, back.Facts);
        Assert.Equal(summary.Points, back.Summary.Points);
        Assert.Equal(summary.Keywords, back.Summary.Keywords);
        Assert.Equal(content.Speech, back.Speech);
        Assert.Equal(content.Scenes!.Select(r => (r.Caption, r.Thumbnails.Select(Convert.ToHexString).ToList())), back.Scenes!.Select(r => (r.Caption, r.Thumbnails.Select(Convert.ToHexString).ToList())));

        // None kept (a job of an earlier release): null; a damaged file: a sentence naming it.
        Assert.Null(await ReportInputs.ReadAsync(Path.Combine(files.Directory, "other"), renamed));
        var inputs = Path.Combine(folder, ReportInputs.FolderName, "inputs.json");
        await File.WriteAllTextAsync(inputs, "{\"title\": 3");
        var damaged = await Assert.ThrowsAsync<MediaException>(() => ReportInputs.ReadAsync(folder, renamed));
        Assert.StartsWith($"the report's inputs '{inputs}' are damaged: ", damaged.Message, StringComparison.Ordinal);
    }
}
