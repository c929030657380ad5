using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media.Reports;

/// <summary>Renders a transcript as TXT, SRT, WebVTT, JSON, and speech regions as RTTM.</summary>
public static class TranscriptFormats
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Plain text: one line per cue (<see cref="Transcript.Cues"/>), after its speaker in brackets when the speakers were found.</summary>
    public static string Txt(Transcript transcript) => string.Concat(transcript.Cues().Select(c => Spoken(c) + "\n"));

    /// <summary>A cue's text after its speaker in brackets (<c>[Anna] …</c>), or alone without speakers.</summary>
    public static string Spoken(TranscriptCue cue) => cue.Speaker is { } name ? $"[{name}] {cue.Text}" : cue.Text;

    /// <summary>SubRip: numbered cues with <c>HH:MM:SS,mmm</c> times.</summary>
    public static string Srt(Transcript transcript)
    {
        var builder = new StringBuilder();
        var number = 1;
        foreach (var cue in transcript.Cues())
        {
            builder.Append(number++).Append('\n')
                .Append(Time(cue.Start, ',')).Append(" --> ").Append(Time(cue.End, ',')).Append('\n')
                .Append(Spoken(cue)).Append("\n\n");
        }

        return builder.ToString();
    }

    /// <summary>WebVTT: a header, then cues with <c>HH:MM:SS.mmm</c> times, each a voice span (<c>&lt;v Anna&gt;</c>) when the speakers were found.</summary>
    public static string Vtt(Transcript transcript)
    {
        var builder = new StringBuilder("WEBVTT\n\n");
        foreach (var cue in transcript.Cues())
        {
            builder.Append(Time(cue.Start, '.')).Append(" --> ").Append(Time(cue.End, '.')).Append('\n');
            if (cue.Speaker is { } name)
            {
                builder.Append("<v ").Append(name).Append('>');
            }

            builder.Append(cue.Text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)).Append("\n\n");
        }

        return builder.ToString();
    }

    /// <summary>JSON with every segment and word, times in seconds, confidences, and the engine and model names.</summary>
    public static string Json(Transcript transcript) => JsonSerializer.Serialize(ToDocument(transcript), s_json);

    /// <summary>Reads a transcript written by <see cref="Json"/>.</summary>
    public static Transcript ParseJson(string json)
    {
        var document = JsonSerializer.Deserialize<TranscriptDocument>(json, s_json)
            ?? throw new FormatException("The transcript JSON is empty.");
        return new Transcript(
            document.Source,
            TimeSpan.FromSeconds(document.DurationSeconds),
            document.Engine,
            document.Model,
            document.Segments.Select(s => new TranscriptSegment(
                s.Index, TimeSpan.FromSeconds(s.Start), TimeSpan.FromSeconds(s.End), s.Text, s.Confidence,
                s.Words.Select(w => new RecognizedWord(w.Text, TimeSpan.FromSeconds(w.Start), TimeSpan.FromSeconds(w.End), w.Confidence)).ToList(),
                s.Label?.ToLabel())).ToList(),
            document.SummaryLabel?.ToLabel(),
            document.Turns is { } turns
                ? new SpeakerTurns(
                    [.. turns.Select(t => new SpeakerTurn(t.Speaker, TimeSpan.FromSeconds(t.Start), TimeSpan.FromSeconds(t.End)))],
                    (document.Speakers ?? []).Where(s => s.Name != s.Id).ToDictionary(s => s.Id, s => s.Name, StringComparer.Ordinal))
                : null);
    }

    /// <summary>
    /// Diarization as RTTM: one SPEAKER line per turn, the speaker's name (spaces as underscores) in the name field;
    /// empty without speakers.
    /// </summary>
    public static string SpeakerRttm(string fileId, SpeakerTurns? speakers)
    {
        var id = Field(fileId);
        var builder = new StringBuilder();
        foreach (var turn in speakers?.Turns ?? [])
        {
            builder.Append(CultureInfo.InvariantCulture, $"SPEAKER {id} 1 {turn.Start.TotalSeconds:0.000} {(turn.End - turn.Start).TotalSeconds:0.000} <NA> <NA> {Field(speakers!.NameOf(turn.Speaker))} <NA> <NA>\n");
        }

        return builder.ToString();
    }

    /// <summary>An RTTM field: whitespace as underscores.</summary>
    private static string Field(string text) => string.Concat(text.Select(c => char.IsWhiteSpace(c) ? '_' : c));

    /// <summary>RTTM: one SPEAKER line per speech region (file id, channel 1, onset, duration in seconds).</summary>
    public static string Rttm(string fileId, IEnumerable<SpeechSegment> speech)
    {
        var id = Field(fileId);
        var builder = new StringBuilder();
        foreach (var segment in speech)
        {
            builder.Append(CultureInfo.InvariantCulture, $"SPEAKER {id} 1 {segment.Start.TotalSeconds:0.000} {segment.Duration.TotalSeconds:0.000} <NA> <NA> speech <NA> <NA>\n");
        }

        return builder.ToString();
    }

    /// <summary>A time as <c>HH:MM:SS{separator}mmm</c>.</summary>
    public static string Time(TimeSpan time, char separator)
    {
        var ms = (long)Math.Round(time.TotalMilliseconds);
        return string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}{separator}{ms % 1000:000}");
    }

    private static TranscriptDocument ToDocument(Transcript t) => new(
        t.Source,
        Math.Round(t.Duration.TotalSeconds, 3),
        t.Engine,
        t.Model,
        t.Segments.Select(s => new SegmentDocument(
            s.Index, Seconds(s.Start), Seconds(s.End), s.Text, Math.Round(s.Confidence, 4),
            s.Words.Select(w => new WordDocument(w.Text, Seconds(w.Start), Seconds(w.End), Math.Round(w.Confidence, 4), t.SpeakerOf(w))).ToList(),
            LabelDocument.Of(s.Label),
            t.SpeakerOf(s))).ToList(),
        LabelDocument.Of(t.SummaryLabel),
        t.Speakers?.SpeakingTime().Select(x => new SpeakerDocument(x.Speaker, t.Speakers.NameOf(x.Speaker), Seconds(x.Time))).ToList(),
        t.Speakers?.Turns.Select(x => new TurnDocument(x.Speaker, Seconds(x.Start), Seconds(x.End))).ToList());

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 3);

    private sealed record TranscriptDocument(
        string Source, double DurationSeconds, string Engine, string Model, List<SegmentDocument> Segments,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LabelDocument? SummaryLabel = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<SpeakerDocument>? Speakers = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] List<TurnDocument>? Turns = null);

    private sealed record SegmentDocument(
        int Index, double Start, double End, string Text, double Confidence, List<WordDocument> Words,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LabelDocument? Label = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Speaker = null);

    /// <summary>A speaker: its id (spk1), what it is called (its id until renamed) and its speaking time.</summary>
    private sealed record SpeakerDocument(string Id, string Name, double Seconds);

    private sealed record TurnDocument(string Speaker, double Start, double End);

    /// <summary>A text model's label: written only when the job had one (a transcript with no speech has none).</summary>
    private sealed record LabelDocument(string Task, string Label, double Confidence, int ModelVersion)
    {
        public static LabelDocument? Of(Learning.ModelLabel? label) =>
            label is null ? null : new(label.Task, label.Label, Math.Round(label.Confidence, 4), label.ModelVersion);

        public Learning.ModelLabel ToLabel() => new(Task, Label, Confidence, ModelVersion);
    }

    private sealed record WordDocument(
        string Text, double Start, double End, double Confidence,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Speaker = null);
}
