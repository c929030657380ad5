using MediaCluster.Media.Asr;

namespace MediaCluster.Media.Reports;

/// <summary>One recognised speech segment with absolute times (words too), and the text model's label for it if any.</summary>
public sealed record TranscriptSegment(
    int Index, TimeSpan Start, TimeSpan End, string Text, double Confidence, IReadOnlyList<RecognizedWord> Words, Learning.ModelLabel? Label = null);

/// <summary>One subtitle cue: a span, its text, what its speaker is called (null without speakers), and on a segment's last cue the segment's label.</summary>
public sealed record TranscriptCue(TimeSpan Start, TimeSpan End, string Text, string? Speaker, Learning.ModelLabel? Label = null);

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

    /// <summary>
    /// The cues of the text formats: one per segment with text, split where its words' speaker changes (a segment
    /// spanning a change of voice) when its words spell its text (pocketsphinx's do; whisper's tokens need not, and
    /// such a segment stays one cue with the speaker speaking longest in it). A cue from a word on starts at that word.
    /// </summary>
    public IEnumerable<TranscriptCue> Cues()
    {
        foreach (var segment in Segments.Where(s => s.Text.Length > 0))
        {
            var runs = new List<(string Speaker, List<RecognizedWord> Words)>();
            foreach (var word in Speakers is null ? [] : segment.Words)
            {
                var speaker = SpeakerOf(word)!;
                if (runs.Count == 0 || runs[^1].Speaker != speaker)
                {
                    runs.Add((speaker, []));
                }

                runs[^1].Words.Add(word);
            }

            if (runs.Count < 2 || !Spelled(segment))
            {
                yield return new TranscriptCue(segment.Start, segment.End, segment.Text, SpeakerNameOf(segment), segment.Label);
                continue;
            }

            for (var r = 0; r < runs.Count; r++)
            {
                yield return new TranscriptCue(
                    r == 0 ? segment.Start : runs[r].Words[0].Start,
                    r == runs.Count - 1 ? segment.End : runs[r + 1].Words[0].Start,
                    string.Join(' ', runs[r].Words.Select(w => w.Text.Trim())),
                    Speakers!.NameOf(runs[r].Speaker),
                    r == runs.Count - 1 ? segment.Label : null);
            }
        }
    }

    /// <summary>Whether a segment's words, in order, are its text (whitespace aside).</summary>
    private static bool Spelled(TranscriptSegment segment) =>
        string.Join(' ', segment.Words.Select(w => w.Text.Trim())) == string.Join(' ', segment.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>All segment texts joined with spaces.</summary>
    public string Text => string.Join(' ', Segments.Where(s => s.Text.Length > 0).Select(s => s.Text));
}
