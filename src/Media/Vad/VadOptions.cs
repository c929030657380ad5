namespace MediaCluster.Media.Vad;

/// <summary>
/// How speech probabilities become segments. Defaults follow the Silero reference implementation
/// (threshold 0.5, negative threshold 0.35, min speech 250 ms, min silence 100 ms) except the padding:
/// 100 ms instead of 30 ms, because the model reacts late to soft onsets ("had he …" lost its first words
/// with 30 ms). A maximum segment length of 30 s splits longer speech at its least speech-like window.
/// </summary>
public sealed record VadOptions
{
    /// <summary>A window at or above this probability is speech (opens or continues a segment).</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>Below this a window counts as silence; between the two, the current state holds (hysteresis). Null: threshold − 0.15.</summary>
    public float? NegativeThreshold { get; init; }

    /// <summary>Shorter speech is dropped.</summary>
    public TimeSpan MinSpeech { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Silence must last this long to close a segment.</summary>
    public TimeSpan MinSilence { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Added before and after each segment (never overlapping its neighbours).</summary>
    public TimeSpan SpeechPad { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>No segment is longer than this; long speech is split at its least speech-like point.</summary>
    public TimeSpan MaxSegment { get; init; } = TimeSpan.FromSeconds(30);

    internal float EffectiveNegativeThreshold => NegativeThreshold ?? Math.Max(0.01f, Threshold - 0.15f);
}

/// <summary>
/// A stretch of speech in the input, in 16 kHz samples, with its audio when requested, and (when it closed on silence)
/// the checkpoint a run can restart from to find the segments after it.
/// </summary>
public sealed record SpeechSegment(int Index, long StartSample, long EndSample, short[]? Samples = null)
{
    /// <summary>Where the run stood right after this segment, when no other segment was open; null after a split.</summary>
    public VadCheckpoint? Resume { get; init; }

    /// <summary>Where the speech starts.</summary>
    public TimeSpan Start => TimeSpan.FromSeconds(StartSample / 16000.0);

    /// <summary>Where the speech ends.</summary>
    public TimeSpan End => TimeSpan.FromSeconds(EndSample / 16000.0);

    /// <summary>How long it lasts.</summary>
    public TimeSpan Duration => End - Start;
}

/// <summary>
/// Where a VAD run stood between two windows with no segment open — right after a segment closed on silence: the
/// samples taken (<paramref name="Position"/>), where the last segment ended, the next segment's index, and the model's
/// memory (<see cref="SileroVadStream.Save"/>). A run restarted from it, fed the same audio from <see cref="AudioFrom"/>
/// on, finds exactly the segments the first run found after it.
/// </summary>
public sealed record VadCheckpoint(long Position, long LastSegmentEnd, int NextIndex, float[] Memory)
{
    /// <summary>The first sample a restarted run needs: a segment after the checkpoint can start (with its padding) no earlier.</summary>
    public long AudioFrom(VadOptions options) => Math.Max(LastSegmentEnd, Position - (long)(options.SpeechPad.TotalSeconds * 16000));
}
