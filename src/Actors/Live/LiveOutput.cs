namespace MediaCluster.Actors.Live;

/// <summary>What a live session tells its connection.</summary>
public abstract record LiveOutput;

/// <summary>The open utterance's hypothesis so far.</summary>
public sealed record LivePartialOutput(string Text) : LiveOutput;

/// <summary>
/// An utterance's final result; word and utterance times in seconds from the session's start; its provisional speaker
/// (<c>spk1</c>…, matched against the session's speakers so far); its n-best hypotheses when the client asked for them.
/// </summary>
public sealed record LiveFinalOutput(
    string Text,
    IReadOnlyList<Media.Asr.RecognizedWord> Words,
    double Start,
    double End,
    double Confidence,
    string? Speaker = null,
    IReadOnlyList<Media.Asr.RecognitionAlternative>? Alternatives = null) : LiveOutput;

/// <summary>The session is over: after its last final (<see cref="LiveEnd.Completed"/>), or for the reason given.</summary>
public sealed record LiveClosedOutput(LiveEnd Reason, string Message) : LiveOutput;

/// <summary>Why a live session ended.</summary>
public enum LiveEnd
{
    /// <summary>The client sent its end of audio and has every final.</summary>
    Completed,

    /// <summary>The client's audio fell more than <see cref="LiveLimits.IdleTimeout"/> behind real time, or it read no results.</summary>
    Idle,

    /// <summary>The audio, or the time connected, reached <see cref="LiveLimits.MaxSessionLength"/> (its finals were sent).</summary>
    TooLong,

    /// <summary>No gpu node took the session's stream within <see cref="LiveLimits.AttachTimeout"/>.</summary>
    NoRecognizer,
}
