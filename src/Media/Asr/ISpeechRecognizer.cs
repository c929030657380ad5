namespace MediaCluster.Media.Asr;

/// <summary>A recognised word with times relative to the start of the audio given and a 0–1 confidence.</summary>
public sealed record RecognizedWord(string Text, TimeSpan Start, TimeSpan End, double Confidence);

/// <summary>One of an utterance's n-best hypotheses: its text, its 0–1 share of the list's probability, its words.</summary>
public sealed record RecognitionAlternative(string Text, double Confidence, IReadOnlyList<RecognizedWord> Words);

/// <summary>
/// What a live client asks of the recogniser (vosk's <c>phrase_list</c> and <c>max_alternatives</c>): recognise only
/// <see cref="Phrases"/> (in any sequence) when there are any, and give up to <see cref="MaxAlternatives"/> hypotheses.
/// </summary>
public sealed record RecognitionHints(IReadOnlyList<string> Phrases, int MaxAlternatives)
{
    /// <summary>The most alternatives a client may ask for.</summary>
    public const int MostAlternatives = 10;

    /// <summary>No restriction, the best hypothesis only.</summary>
    public static RecognitionHints None { get; } = new([], 0);
}

/// <summary>The result of recognising one segment.</summary>
/// <param name="Alternatives">The n-best hypotheses, best first, when they were asked for and the engine has them.</param>
public sealed record Recognition(string Text, IReadOnlyList<RecognizedWord> Words, double Confidence, IReadOnlyList<RecognitionAlternative>? Alternatives = null)
{
    /// <summary>Nothing was recognised.</summary>
    public static Recognition Empty { get; } = new(string.Empty, [], 0);

    /// <summary>The mean word confidence (0 when there are no words): the segment's confidence in transcripts.</summary>
    public double MeanWordConfidence => Words.Count == 0 ? 0 : Words.Average(w => w.Confidence);

    /// <summary>The words with times moved by <paramref name="offset"/> (segment-relative → absolute).</summary>
    public IReadOnlyList<RecognizedWord> WordsShiftedBy(TimeSpan offset) => Shift(Words, offset);

    /// <summary>The recognition with its words' and its alternatives' words' times moved by <paramref name="offset"/>.</summary>
    public Recognition ShiftedBy(TimeSpan offset) => this with
    {
        Words = Shift(Words, offset),
        Alternatives = Alternatives?.Select(a => a with { Words = Shift(a.Words, offset) }).ToList(),
    };

    private static List<RecognizedWord> Shift(IReadOnlyList<RecognizedWord> words, TimeSpan offset) =>
        [.. words.Select(w => w with { Start = w.Start + offset, End = w.End + offset })];
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

    /// <summary>Starts a live utterance that yields partial hypotheses as audio arrives, recognised as <paramref name="hints"/> ask.</summary>
    Task<IStreamingRecognition> StartStreamAsync(RecognitionHints hints, CancellationToken cancellationToken = default);
}

/// <summary>One live utterance: feed audio, read partials, then finish for the final result.</summary>
public interface IStreamingRecognition : IDisposable
{
    /// <summary>Feeds audio; returns the current partial hypothesis (possibly empty).</summary>
    string Accept(ReadOnlySpan<short> samples);

    /// <summary>Ends the utterance and returns the final recognition; the engine goes back to the pool.</summary>
    Recognition Finish();
}
