using MediaCluster.Media.Asr;

namespace MediaCluster.Media.Reports;

/// <summary>One recognised speech segment with absolute times (words too).</summary>
public sealed record TranscriptSegment(int Index, TimeSpan Start, TimeSpan End, string Text, double Confidence, IReadOnlyList<RecognizedWord> Words);

/// <summary>A whole transcript: what was transcribed, by which engine, and the segments in time order.</summary>
public sealed record Transcript(string Source, TimeSpan Duration, string Engine, string Model, IReadOnlyList<TranscriptSegment> Segments)
{
    /// <summary>All segment texts joined with spaces.</summary>
    public string Text => string.Join(' ', Segments.Where(s => s.Text.Length > 0).Select(s => s.Text));
}
