namespace MediaCluster.Media.Asr;

/// <summary>A recognised word with times relative to the start of the audio given and a 0–1 confidence.</summary>
public sealed record RecognizedWord(string Text, TimeSpan Start, TimeSpan End, double Confidence);

/// <summary>The result of recognising one segment.</summary>
public sealed record Recognition(string Text, IReadOnlyList<RecognizedWord> Words, double Confidence)
{
    /// <summary>Nothing was recognised.</summary>
    public static Recognition Empty { get; } = new(string.Empty, [], 0);

    /// <summary>The mean word confidence (0 when there are no words): the segment's confidence in transcripts.</summary>
    public double MeanWordConfidence => Words.Count == 0 ? 0 : Words.Average(w => w.Confidence);

    /// <summary>The words with times moved by <paramref name="offset"/> (segment-relative → absolute).</summary>
    public IReadOnlyList<RecognizedWord> WordsShiftedBy(TimeSpan offset) =>
        Words.Select(w => w with { Start = w.Start + offset, End = w.End + offset }).ToList();
}

/// <summary>
/// Speech to text over 16 kHz mono PCM16. Implementations keep their engines warm and pooled; a
/// segment is recognised on whichever engine is free, so callers can run one call per core in parallel.
/// </summary>
public interface ISpeechRecognizer : IDisposable
{
    /// <summary>The engine's name, e.g. "pocketsphinx".</summary>
    string Engine { get; }

    /// <summary>The model's name, e.g. "en-us".</summary>
    string Model { get; }

    /// <summary>How many segments can be recognised at once.</summary>
    int Concurrency { get; }

    /// <summary>Recognises one utterance (a VAD segment).</summary>
    Task<Recognition> RecognizeAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default);

    /// <summary>Starts a live utterance that yields partial hypotheses as audio arrives.</summary>
    Task<IStreamingRecognition> StartStreamAsync(CancellationToken cancellationToken = default);
}

/// <summary>One live utterance: feed audio, read partials, then finish for the final result.</summary>
public interface IStreamingRecognition : IDisposable
{
    /// <summary>Feeds audio; returns the current partial hypothesis (possibly empty).</summary>
    string Accept(ReadOnlySpan<short> samples);

    /// <summary>Ends the utterance and returns the final recognition; the engine goes back to the pool.</summary>
    Recognition Finish();
}
