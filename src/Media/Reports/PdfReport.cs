using System.Globalization;
using MediaCluster.Media.Summarize;
using MediaCluster.Media.Vad;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace MediaCluster.Media.Reports;

/// <summary>What goes into a report: the facts about the input, the transcript, its summary and the speech regions.</summary>
public sealed record ReportContent(
    string Title,
    IReadOnlyList<(string Name, string Value)> Facts,
    Transcript Transcript,
    Summary Summary,
    IReadOnlyList<SpeechSegment> Speech,
    IReadOnlyList<SceneSheetRow>? Scenes = null);

/// <summary>A scene in the report: its caption and its frames as JPEG thumbnails.</summary>
public sealed record SceneSheetRow(string Caption, IReadOnlyList<byte[]> Thumbnails);

/// <summary>
/// An A4 PDF report (PdfSharp 6, DejaVu Sans): title and media facts, summary, keywords, a vector figure of
/// the voice-activity timeline, the timestamped transcript over as many pages as it needs, and for a video its scenes
/// (caption and a row of thumbnails each).
/// </summary>
public static class PdfReport
{
    private const double Margin = 50;

    /// <summary>Writes the report to <paramref name="path"/> atomically.</summary>
    public static Task WriteAsync(string path, ReportContent content, CancellationToken cancellationToken = default)
    {
        DejaVuFontResolver.Install();
        var document = new PdfDocument();
        document.Info.Title = content.Title;
        document.Info.Creator = "MediaCluster";
        var writer = new PageWriter(document);
        writer.Heading(content.Title, 18);
        foreach (var (name, value) in content.Facts)
        {
            writer.Line($"{name}: {value}", 10);
        }

        WriteSummary(writer, content);
        writer.Gap(10);
        writer.Heading("Voice activity", 13);
        writer.Timeline(content.Speech, content.Transcript.Duration);
        WriteSpeakers(writer, content.Transcript);
        WriteTranscript(writer, content);
        writer.Finish();
        return AtomicFile.WriteAsync(path, stream =>
        {
            document.Save(stream, closeStream: false);
            return Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>The summary's points with the summary's text label, and the keywords.</summary>
    private static void WriteSummary(PageWriter writer, ReportContent content)
    {
        writer.Gap(10);
        writer.Heading("Summary", 13);
        if (content.Summary.Points.Count == 0)
        {
            writer.Paragraph("(no speech recognised)", 10);
        }

        foreach (var point in content.Summary.Points)
        {
            writer.Paragraph(point.ToString(), 10);
        }

        if (content.Transcript.SummaryLabel is { } summaryLabel)
        {
            writer.Line($"Text label of the summary: {Labelled(summaryLabel)}", 9);
        }

        writer.Gap(6);
        writer.Heading("Keywords", 13);
        writer.Paragraph(content.Keywords().Length > 0 ? content.Keywords() : "(none)", 10);
    }

    /// <summary>Each speaker's speaking time, share of the speech and turns, when the speakers were found.</summary>
    private static void WriteSpeakers(PageWriter writer, Transcript transcript)
    {
        if (transcript.Speakers is not { Turns.Count: > 0 } speakers)
        {
            return;
        }

        var times = speakers.SpeakingTime();
        var total = times.Sum(t => t.Time.TotalSeconds);
        writer.Gap(10);
        writer.Heading($"Speakers ({times.Count})", 13);
        foreach (var (speaker, time) in times)
        {
            var name = speakers.NameOf(speaker);
            var turns = speakers.Turns.Count(t => t.Speaker == speaker);
            writer.Line(string.Create(
                CultureInfo.InvariantCulture,
                $"{name}{(name == speaker ? "" : $" ({speaker})")}: {TranscriptFormats.Time(time, '.')} speaking, {(total > 0 ? 100 * time.TotalSeconds / total : 0):0}% of the speech, {turns} turn{(turns == 1 ? "" : "s")}"), 10);
        }
    }

    /// <summary>Each cue (a spoken segment, split where its speaker changes) with its times, speaker and label, then the scenes with their thumbnails.</summary>
    private static void WriteTranscript(PageWriter writer, ReportContent content)
    {
        writer.Gap(10);
        writer.Heading("Transcript", 13);
        foreach (var cue in content.Transcript.Cues())
        {
            var label = cue.Label is { } l ? $"  ({Labelled(l)})" : string.Empty;
            writer.Paragraph($"[{TranscriptFormats.Time(cue.Start, '.')} – {TranscriptFormats.Time(cue.End, '.')}]  {TranscriptFormats.Spoken(cue)}{label}", 10);
        }

        if (content.Scenes is { Count: > 0 } scenes)
        {
            writer.Gap(10);
            writer.Heading($"Scenes ({scenes.Count})", 13);
            foreach (var scene in scenes)
            {
                writer.Line(scene.Caption, 9);
                writer.Thumbnails(scene.Thumbnails);
            }
        }
    }

    private static string Labelled(Learning.ModelLabel label) =>
        string.Create(CultureInfo.InvariantCulture, $"{label.Label} {label.Confidence * 100:0}%, {label.Task}{(label.ModelVersion > 0 ? $" v{label.ModelVersion}" : "")}");

    private static string Keywords(this ReportContent content) => string.Join(", ", content.Summary.Keywords.Select(k => k.Word));

    /// <summary>Lays text out top to bottom, starting a new page when the current one is full.</summary>
    private sealed class PageWriter(PdfDocument document)
    {
        private PdfPage? _page;
        private XGraphics? _graphics;
        private double _y;

        private XGraphics Graphics => _graphics ?? NewPage();

        private double Width => _page!.Width.Point - (2 * Margin);

        public void Heading(string text, double size) => Line(text, size, bold: true);

        public void Line(string text, double size, bool bold = false)
        {
            var font = new XFont(DejaVuFontResolver.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular);
            var height = size * 1.4;
            Ensure(height);
            Graphics.DrawString(text, font, XBrushes.Black, new XRect(Margin, _y, Width, height), XStringFormats.TopLeft);
            _y += height;
        }

        public void Paragraph(string text, double size)
        {
            var font = new XFont(DejaVuFontResolver.Family, size, XFontStyleEx.Regular);
            var line = string.Empty;
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && Graphics.MeasureString(candidate, font).Width > Width)
                {
                    Line(line, size);
                    line = word;
                }
                else
                {
                    line = candidate;
                }
            }

            if (line.Length > 0)
            {
                Line(line, size);
            }
        }

        public void Gap(double points) => _y += points;

        /// <summary>A bar for the whole duration with speech regions filled, and a time axis with ticks.</summary>
        public void Timeline(IReadOnlyList<SpeechSegment> speech, TimeSpan duration)
        {
            const double barHeight = 24;
            Ensure(barHeight + 30);
            var g = Graphics;
            var total = Math.Max(duration.TotalSeconds, 0.001);
            g.DrawRectangle(new XPen(XColors.Gray, 0.5), XBrushes.WhiteSmoke, Margin, _y, Width, barHeight);
            foreach (var segment in speech)
            {
                var x = Margin + (segment.Start.TotalSeconds / total * Width);
                var w = Math.Max(0.5, segment.Duration.TotalSeconds / total * Width);
                g.DrawRectangle(XBrushes.SteelBlue, x, _y + 2, w, barHeight - 4);
            }

            var axis = _y + barHeight + 2;
            var font = new XFont(DejaVuFontResolver.Family, 7, XFontStyleEx.Regular);
            var step = TickStep(total);
            for (var t = 0.0; t <= total + 1e-9; t += step)
            {
                var x = Margin + (t / total * Width);
                g.DrawLine(new XPen(XColors.Black, 0.5), x, axis, x, axis + 4);
                g.DrawString(FormatTick(t), font, XBrushes.Black, new XRect(x - 20, axis + 5, 40, 10), XStringFormats.TopCenter);
            }

            _y = axis + 20;
            var speechSeconds = speech.Sum(s => s.Duration.TotalSeconds);
            Line(string.Create(CultureInfo.InvariantCulture, $"{speech.Count} speech regions, {speechSeconds:0.0} s of speech in {total:0.0} s ({100 * speechSeconds / total:0}%)"), 9);
        }

        /// <summary>A row of pictures across the page's width, each keeping its aspect.</summary>
        public void Thumbnails(IReadOnlyList<byte[]> jpegs)
        {
            if (jpegs.Count == 0)
            {
                return;
            }

            var images = jpegs.Select(j => XImage.FromStream(new MemoryStream(j))).ToList();
            try
            {
                var cell = Width / images.Count;
                var height = images.Max(i => cell * i.PixelHeight / (double)i.PixelWidth);
                Ensure(height + 6);
                for (var i = 0; i < images.Count; i++)
                {
                    Graphics.DrawImage(images[i], Margin + (i * cell), _y, cell - 2, (cell - 2) * images[i].PixelHeight / images[i].PixelWidth);
                }

                _y += height + 6;
            }
            finally
            {
                images.ForEach(i => i.Dispose());
            }
        }

        public void Finish() => _graphics?.Dispose();

        private void Ensure(double height)
        {
            if (_graphics is null || _y + height > _page!.Height.Point - Margin)
            {
                NewPage();
            }
        }

        private XGraphics NewPage()
        {
            _graphics?.Dispose();
            _page = document.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _graphics = XGraphics.FromPdfPage(_page);
            _y = Margin;
            return _graphics;
        }

        private static double TickStep(double total)
        {
            foreach (var step in new[] { 1.0, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600 })
            {
                if (total / step <= 10)
                {
                    return step;
                }
            }

            return 7200;
        }

        private static string FormatTick(double seconds) =>
            seconds >= 3600 ? TimeSpan.FromSeconds(seconds).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : TimeSpan.FromSeconds(seconds).ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }
}
