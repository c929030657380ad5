namespace MediaCluster.Media.Vad;

/// <summary>
/// Silero VAD and the segmenter over audio pushed in pieces of any length (a stream's chunks as they arrive): each
/// push returns the segments it completed, with their audio and, for a segment that closed on silence, the
/// <see cref="VadCheckpoint"/> to restart from. Only the audio a future segment can still need is kept (≤ one maximum
/// segment). Started from a checkpoint, it expects audio from <see cref="NextSample"/> on and finds what the first run
/// found after that point. Not thread-safe: one caller at a time.
/// </summary>
public sealed class SpeechFinder : IDisposable
{
    private readonly SileroVadStream _stream;
    private readonly SpeechSegmenter _segmenter;
    private short[] _buffer = new short[SileroVad.WindowSamples * 64];
    private long _bufferStart;
    private int _bufferLength;

    /// <summary>A run from the input's start, or from <paramref name="resume"/>.</summary>
    public SpeechFinder(SileroVad model, VadOptions? options = null, VadCheckpoint? resume = null)
    {
        options ??= new VadOptions();
        _stream = model.CreateStream();
        if (resume is not null && !_stream.Restore(resume.Memory))
        {
            _stream.Dispose();
            throw new ArgumentException("the VAD checkpoint's memory is not the model's shape", nameof(resume));
        }

        _segmenter = new SpeechSegmenter(options, resume: resume);
        _bufferStart = resume?.AudioFrom(options) ?? 0;
    }

    /// <summary>The input position (in samples) the next pushed audio starts at.</summary>
    public long NextSample => _bufferStart + _bufferLength;

    /// <summary>The index the next segment found gets (after <see cref="Flush"/>: how many the input has).</summary>
    public int NextIndex => _segmenter.NextIndex;

    /// <summary>Takes the next <paramref name="samples"/>; returns the segments they completed (usually none).</summary>
    public IReadOnlyList<SpeechSegment> Push(ReadOnlySpan<short> samples)
    {
        Append(samples);
        List<SpeechSegment>? found = null;
        while (_segmenter.Position + SileroVad.WindowSamples <= NextSample)
        {
            var offset = (int)(_segmenter.Position - _bufferStart);
            var probability = _stream.Process(_buffer.AsSpan(offset, SileroVad.WindowSamples));
            foreach (var segment in _segmenter.Push(probability))
            {
                (found ??= []).Add(Attach(segment) with { Resume = _segmenter.OpenSince is null ? Checkpoint() : null });
            }
        }

        // Drop audio no segment can need any more.
        var drop = (int)(Math.Min(_segmenter.EarliestNeededSample, _segmenter.Position) - _bufferStart);
        if (drop > 0)
        {
            Array.Copy(_buffer, drop, _buffer, 0, _bufferLength - drop);
            _bufferLength -= drop;
            _bufferStart += drop;
        }

        return found ?? [];
    }

    /// <summary>The input ended: the segment still open, if any.</summary>
    public IReadOnlyList<SpeechSegment> Flush() => [.. _segmenter.Flush(NextSample).Select(Attach)];

    public void Dispose() => _stream.Dispose();

    private VadCheckpoint Checkpoint() => new(_segmenter.Position, _segmenter.LastSegmentEnd, _segmenter.NextIndex, _stream.Save());

    private SpeechSegment Attach(SpeechSegment segment)
    {
        var from = (int)(segment.StartSample - _bufferStart);
        return segment with { Samples = _buffer.AsSpan(from, (int)(segment.EndSample - segment.StartSample)).ToArray() };
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
}
