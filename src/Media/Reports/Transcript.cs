using MediaCluster.Media.Asr;

namespace MediaCluster.Media.Reports;

/// <summary>One recognised speech segment with absolute times (words too), and the text model's label for it if any.</summary>
public sealed record TranscriptSegment(
    int Index, TimeSpan Start, TimeSpan End, string Text, double Confidence, IReadOnlyList<RecognizedWord> Words, Learning.ModelLabel? Label = null);

/// <summary>
/// A whole transcript: what was transcribed, by which engine, the segments in time order, and the text model's label
/// for the whole summary if any.
/// </summary>
public sealed record Transcript(string Source, TimeSpan Duration, string Engine, string Model, IReadOnlyList<TranscriptSegment> Segments, Learning.ModelLabel? SummaryLabel = null)
{
    /// <summary>All segment texts joined with spaces.</summary>
    public string Text => string.Join(' ', Segments.Where(s => s.Text.Length > 0).Select(s => s.Text));
}
