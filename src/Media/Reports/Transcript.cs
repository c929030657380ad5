using MediaCluster.Media.Asr;

namespace MediaCluster.Media.Reports;

/// <summary>One recognised speech segment with absolute times (words too), and the text model's label for it if any.</summary>
public sealed record TranscriptSegment(
    int Index, TimeSpan Start, TimeSpan End, string Text, double Confidence, IReadOnlyList<RecognizedWord> Words, Learning.ModelLabel? Label = null);

/// <summary>
/// A whole transcript: what was transcribed, by which engine, the segments in time order, the text model's label
/// for the whole summary if any, and who spoke when if the job's speakers were found.
/// </summary>
public sealed record Transcript(
    string Source, TimeSpan Duration, string Engine, string Model, IReadOnlyList<TranscriptSegment> Segments, Learning.ModelLabel? SummaryLabel = null,
    Diarization.SpeakerTurns? Speakers = null)
{
    /// <summary>The speaker id of a segment (the one speaking longest in it), or null without speakers.</summary>
    public string? SpeakerOf(TranscriptSegment segment) => Speakers?.Of(segment.Start, segment.End);

    /// <summary>The speaker id of a word, or null without speakers.</summary>
    public string? SpeakerOf(RecognizedWord word) => Speakers?.Of(word.Start, word.End);

    /// <summary>What a segment's speaker is called (its name, else its id), or null without speakers.</summary>
    public string? SpeakerNameOf(TranscriptSegment segment) => SpeakerOf(segment) is { } id ? Speakers!.NameOf(id) : null;

    /// <summary>All segment texts joined with spaces.</summary>
    public string Text => string.Join(' ', Segments.Where(s => s.Text.Length > 0).Select(s => s.Text));
}
