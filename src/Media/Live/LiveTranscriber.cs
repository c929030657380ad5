using MediaCluster.Media.Asr;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media.Live;

/// <summary>How a live stream is cut into utterances.</summary>
public sealed record LiveOptions
{
    /// <summary>Silence that ends an utterance (and brings its final result).</summary>
    public TimeSpan EndOfUtterance { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>No utterance is longer: longer speech gets a final at its least speech-like point.</summary>
    public TimeSpan MaxUtterance { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>What the client asked of the recogniser: phrases to restrict it to, alternatives to give.</summary>
    public RecognitionHints Hints { get; init; } = RecognitionHints.None;

    /// <summary>The speech detector's settings with this stream's end of utterance and maximum length.</summary>
    public VadOptions Vad => new() { MinSilence = EndOfUtterance, MaxSegment = MaxUtterance };
}

/// <summary>What a live stream produces: a changed partial hypothesis, or the final result of an utterance.</summary>
public abstract record LiveResult;

/// <summary>The open utterance's hypothesis so far (empty: an utterance turned out not to be speech).</summary>
public sealed record LivePartial(string Text) : LiveResult;

/// <summary>An ended utterance: its words at stream times, and where it lies in the stream (16 kHz samples).</summary>
/// <param name="Voice">The utterance's speaker windows (<see cref="Diarization.SpeakerFeatures"/>), for its provisional speaker.</param>
public sealed record LiveFinal(Recognition Recognition, long StartSample, long EndSample, IReadOnlyList<(int FirstFrame, float[] Statistics)> Voice) : LiveResult;

/// <summary>
/// One live audio stream, 16 kHz PCM16 arriving in pieces of any size: Silero VAD finds where utterances start and end
/// (<see cref="LiveOptions.EndOfUtterance"/> of silence, or <see cref="LiveOptions.MaxUtterance"/>), the recogniser's
/// streaming form decodes each utterance while it is spoken (partials) and gives its final result when it ends. The
/// recogniser holds an engine only while an utterance is open. Positions are absolute stream samples from
/// <c>startSample</c>, so a transcriber restarted at <see cref="KeepFrom"/> on the same audio carries on where this one
/// was (no final is lost: every utterance not yet final starts at or after <see cref="KeepFrom"/>).
/// Not thread-safe: one call at a time.
/// </summary>
public sealed class LiveTranscriber : IDisposable
{
    private readonly ISpeechRecognizer _recognizer;
    private readonly SileroVadStream _vad;
    private readonly SpeechSegmenter _segmenter;
    private readonly long _origin;
    private readonly RecognitionHints _hints;
    private short[] _buffer = new short[SileroVad.WindowSamples * 64];
    private long _bufferStart;
    private int _bufferLength;
    private long _nextWindow;
    private long _lastEnd;
    private IStreamingRecognition? _utterance;
    private long _utteranceStart;
    private long _fedUpTo;
    private string _partial = string.Empty;

    /// <summary>A stream whose first sample is stream sample <paramref name="startSample"/>.</summary>
    public LiveTranscriber(SileroVad vad, ISpeechRecognizer recognizer, LiveOptions? options = null, long startSample = 0)
    {
        _recognizer = recognizer;
        _vad = vad.CreateStream();
        options ??= new LiveOptions();
        _segmenter = new SpeechSegmenter(options.Vad);
        _hints = options.Hints;
        _origin = startSample;
        _bufferStart = _nextWindow = _lastEnd = startSample;
    }

    /// <summary>The stream position: samples received so far (absolute).</summary>
    public long Position => _bufferStart + _bufferLength;

    /// <summary>
    /// The earliest sample a transcriber restarted on this stream needs: the open utterance's start, else the speech
    /// padding before the next window. Audio before it is no longer needed by anyone.
    /// </summary>
    public long KeepFrom => _utterance is not null ? _utteranceStart : Math.Max(_lastEnd, Math.Min(_nextWindow - _segmenter.PadSamples, Position));

    /// <summary>Whether an utterance is open (speech heard, no final yet).</summary>
    public bool InUtterance => _utterance is not null;

    /// <summary>Takes the next audio; returns what it changed: finals of utterances it ended, then the partial if it changed.</summary>
    public async Task<IReadOnlyList<LiveResult>> AcceptAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default)
    {
        Append(samples.Span);
        var results = new List<LiveResult>();
        while (_nextWindow + SileroVad.WindowSamples <= Position)
        {
            var window = _buffer.AsSpan((int)(_nextWindow - _bufferStart), SileroVad.WindowSamples);
            var probability = _vad.Process(window);
            _nextWindow += SileroVad.WindowSamples;
            var closed = _segmenter.Push(probability);
            if (_utterance is not null && (closed.Count > 0 || _segmenter.OpenSince is null))
            {
                // Ended (a final), or dropped as too short to be speech (the partial, if one was shown, is withdrawn).
                if (closed.Count > 0)
                {
                    results.Add(FinishUtterance(_nextWindow));
                }
                else
                {
                    DropUtterance(results);
                }
            }

            if (_utterance is null && _segmenter.OpenSince is { } since)
            {
                _utteranceStart = Math.Max(_origin + since - _segmenter.PadSamples, _lastEnd);
                _fedUpTo = _utteranceStart;
                _utterance = await _recognizer.StartStreamAsync(_hints, cancellationToken).ConfigureAwait(false);
            }
        }

        if (_utterance is not null && Feed(_nextWindow) is { } partial && partial != _partial)
        {
            _partial = partial;
            results.Add(new LivePartial(partial));
        }

        Trim();
        return results;
    }

    /// <summary>The end of the stream: the open utterance, with all audio received, gets its final.</summary>
    public IReadOnlyList<LiveResult> Flush()
    {
        if (_utterance is null)
        {
            return [];
        }

        var results = new List<LiveResult>();
        if (Position - _utteranceStart < 4 * SileroVad.WindowSamples)
        {
            DropUtterance(results);
            return results;
        }

        results.Add(FinishUtterance(Position));
        return results;
    }

    public void Dispose()
    {
        _utterance?.Dispose();
        _utterance = null;
        _vad.Dispose();
    }

    private LiveFinal FinishUtterance(long end)
    {
        Feed(end);
        var from = (int)Math.Max(0, _utteranceStart - _bufferStart);
        var voice = Diarization.SpeakerFeatures.OfPcm16(_buffer.AsSpan(from, (int)Math.Max(0, Math.Min(end, Position) - _bufferStart - from)));
        var recognition = _utterance!.Finish();
        _utterance = null;
        _partial = string.Empty;
        _lastEnd = end;
        var offset = TimeSpan.FromSeconds(_utteranceStart / 16000.0);
        return new LiveFinal(recognition.ShiftedBy(offset), _utteranceStart, end, voice);
    }

    private void DropUtterance(List<LiveResult> results)
    {
        _utterance!.Dispose();
        _utterance = null;
        if (_partial.Length > 0)
        {
            _partial = string.Empty;
            results.Add(new LivePartial(string.Empty));
        }
    }

    /// <summary>Gives the open utterance the audio up to <paramref name="end"/> it has not had; its partial, or null when there was none.</summary>
    private string? Feed(long end)
    {
        if (end <= _fedUpTo)
        {
            return null;
        }

        var partial = _utterance!.Accept(_buffer.AsSpan((int)(_fedUpTo - _bufferStart), (int)(end - _fedUpTo)));
        _fedUpTo = end;
        return partial;
    }

    private void Append(ReadOnlySpan<short> samples)
    {
        if (_bufferLength + samples.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _bufferLength + samples.Length));
        }

        samples.CopyTo(_buffer.AsSpan(_bufferLength));
        _bufferLength += samples.Length;
    }

    /// <summary>Drops audio that neither the open utterance nor a future one can need.</summary>
    private void Trim()
    {
        var drop = (int)(KeepFrom - _bufferStart);
        if (drop > 0)
        {
            Array.Copy(_buffer, drop, _buffer, 0, _bufferLength - drop);
            _bufferLength -= drop;
            _bufferStart += drop;
        }
    }
}
