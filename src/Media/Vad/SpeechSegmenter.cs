namespace MediaCluster.Media.Vad;

/// <summary>
/// Turns per-window speech probabilities into segments as they arrive (streaming): a segment opens at a
/// window ≥ threshold, closes after min-silence of windows below the negative threshold, is dropped if
/// shorter than min-speech, and is split at its least speech-like window when it reaches the maximum
/// length. Positions are in samples; padding is applied when a segment is emitted.
/// </summary>
public sealed class SpeechSegmenter
{
    private readonly VadOptions _options;
    private readonly int _window;
    private readonly long _minSilence;
    private readonly long _minSpeech;
    private readonly long _pad;
    private readonly long _maxSegment;
    private readonly List<float> _probabilities = [];
    private long _position;
    private long? _start;
    private long? _silenceStart;
    private long _lastEmittedEnd;
    private int _index;

    /// <summary>
    /// Creates a segmenter for windows of <paramref name="windowSamples"/> samples; from <paramref name="resume"/> it
    /// goes on where the run that made it stood (position, the last segment's end, the next index).
    /// </summary>
    public SpeechSegmenter(VadOptions options, int windowSamples = SileroVad.WindowSamples, VadCheckpoint? resume = null)
    {
        _position = resume?.Position ?? 0;
        _lastEmittedEnd = resume?.LastSegmentEnd ?? 0;
        _index = resume?.NextIndex ?? 0;
        _options = options;
        _window = windowSamples;
        _minSilence = Samples(options.MinSilence);
        _minSpeech = Samples(options.MinSpeech);
        _pad = Samples(options.SpeechPad);
        _maxSegment = Math.Max(Samples(options.MaxSegment) - (2 * _pad), 2L * windowSamples);
    }

    /// <summary>The earliest sample a future segment (with padding) can start at; audio before it can be dropped.</summary>
    public long EarliestNeededSample => Math.Max(0, Math.Max(_lastEmittedEnd, (_start ?? _position) - _pad));

    /// <summary>Where the open segment's speech starts (before padding), or null while no segment is open.</summary>
    public long? OpenSince => _start;

    /// <summary>Samples taken so far (window by window).</summary>
    public long Position => _position;

    /// <summary>Where the last segment emitted ends (0 before the first).</summary>
    public long LastSegmentEnd => _lastEmittedEnd;

    /// <summary>The index the next segment gets.</summary>
    public int NextIndex => _index;

    /// <summary>The padding, in samples, a segment gets before and after its speech.</summary>
    public long PadSamples => _pad;

    /// <summary>Feeds the probability of the next window; returns the segments this completed (usually none).</summary>
    public IReadOnlyList<SpeechSegment> Push(float probability)
    {
        List<SpeechSegment>? done = null;
        var windowStart = _position;
        _position += _window;
        if (_start is null)
        {
            if (probability >= _options.Threshold)
            {
                _start = windowStart;
                _silenceStart = null;
                _probabilities.Clear();
                _probabilities.Add(probability);
            }

            return [];
        }

        _probabilities.Add(probability);
        if (probability >= _options.Threshold)
        {
            _silenceStart = null;
        }
        else if (probability < _options.EffectiveNegativeThreshold)
        {
            _silenceStart ??= windowStart;
            if (_position - _silenceStart >= _minSilence)
            {
                Close(_silenceStart.Value, ref done);
                return done ?? [];
            }
        }

        if (_position - _start >= _maxSegment)
        {
            SplitAtLeastSpeechLike(ref done);
        }

        return done ?? [];
    }

    /// <summary>Ends the stream at <paramref name="totalSamples"/>; returns the segment still open, if any.</summary>
    public IReadOnlyList<SpeechSegment> Flush(long totalSamples)
    {
        List<SpeechSegment>? done = null;
        if (_start is not null)
        {
            Close(Math.Min(_silenceStart ?? _position, totalSamples), ref done, totalSamples);
        }

        return done ?? [];
    }

    private void Close(long end, ref List<SpeechSegment>? done, long? totalSamples = null)
    {
        var start = _start!.Value;
        _start = null;
        _silenceStart = null;
        if (end - start < _minSpeech)
        {
            return;
        }

        var paddedStart = Math.Max(start - _pad, _lastEmittedEnd);
        var paddedEnd = end + _pad;
        if (totalSamples is { } total)
        {
            paddedEnd = Math.Min(paddedEnd, total);
        }

        _lastEmittedEnd = paddedEnd;
        (done ??= []).Add(new SpeechSegment(_index++, paddedStart, paddedEnd));
    }

    /// <summary>Splits the open segment at the lowest-probability window in its second half and keeps the rest open.</summary>
    private void SplitAtLeastSpeechLike(ref List<SpeechSegment>? done)
    {
        var start = _start!.Value;
        var half = _probabilities.Count / 2;
        var lowest = half;
        for (var i = half; i < _probabilities.Count; i++)
        {
            if (_probabilities[i] < _probabilities[lowest])
            {
                lowest = i;
            }
        }

        var cut = start + ((long)lowest * _window);
        var remaining = _probabilities.Skip(lowest + 1).ToList();
        var paddedStart = Math.Max(start - _pad, _lastEmittedEnd);
        (done ??= []).Add(new SpeechSegment(_index++, paddedStart, cut));
        _lastEmittedEnd = cut;
        _start = cut;
        _silenceStart = null;
        _probabilities.Clear();
        _probabilities.AddRange(remaining);
    }

    private static long Samples(TimeSpan t) => (long)(t.TotalSeconds * 16000);
}
