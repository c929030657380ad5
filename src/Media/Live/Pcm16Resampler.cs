namespace MediaCluster.Media.Live;

/// <summary>
/// Streaming sample-rate conversion of mono PCM16 to 16 kHz: windowed-sinc interpolation (Blackman window), its cutoff
/// at the lower Nyquist frequency so that downsampling does not alias. Output comes as soon as the filter has the input
/// it needs (about 1 ms of look-ahead); <see cref="Flush"/> gives the rest at the end. 16 kHz input passes through.
/// </summary>
public sealed class Pcm16Resampler
{
    /// <summary>The rate everything is converted to (the VAD's and the recognisers').</summary>
    public const int TargetRate = 16000;

    private const int ZeroCrossings = 16;
    private readonly double _step;
    private readonly double _cutoff;
    private readonly int _halfWidth;
    private readonly List<float> _input = [];
    private long _inputStart;
    private long _next;

    /// <summary>A converter from <paramref name="inputRate"/> Hz (8000–192000).</summary>
    public Pcm16Resampler(int inputRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputRate, 8000);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inputRate, 192000);
        InputRate = inputRate;
        _step = inputRate / (double)TargetRate;
        _cutoff = Math.Min(1.0, TargetRate / (double)inputRate);
        _halfWidth = (int)Math.Ceiling(ZeroCrossings / _cutoff);
    }

    public int InputRate { get; }

    /// <summary>Converts the next input; returns the output samples it completed.</summary>
    public short[] Process(ReadOnlySpan<short> samples)
    {
        if (InputRate == TargetRate)
        {
            return samples.ToArray();
        }

        foreach (var s in samples)
        {
            _input.Add(s);
        }

        return Drain(_inputStart + _input.Count - _halfWidth);
    }

    /// <summary>The end of the input: the remaining output (the input's tail filtered against silence).</summary>
    public short[] Flush()
    {
        if (InputRate == TargetRate)
        {
            return [];
        }

        var end = _inputStart + _input.Count;
        _input.AddRange(new float[_halfWidth + 1]);
        return Drain(end);
    }

    /// <summary>Every output sample whose centre lies before input sample <paramref name="limit"/>.</summary>
    private short[] Drain(long limit)
    {
        var output = new List<short>();
        while (true)
        {
            var centre = _next * _step;
            var first = (long)Math.Floor(centre) - _halfWidth + 1;
            if ((long)Math.Floor(centre) >= limit || first + (2 * _halfWidth) > _inputStart + _input.Count)
            {
                break;
            }

            double sum = 0;
            for (var i = first; i < first + (2 * _halfWidth); i++)
            {
                if (i >= _inputStart)
                {
                    sum += _input[(int)(i - _inputStart)] * Kernel(centre - i);
                }
            }

            output.Add((short)Math.Clamp(Math.Round(sum), short.MinValue, short.MaxValue));
            _next++;
        }

        var keepFrom = (long)Math.Floor(_next * _step) - _halfWidth;
        var drop = (int)Math.Clamp(keepFrom - _inputStart, 0, _input.Count);
        _input.RemoveRange(0, drop);
        _inputStart += drop;
        return [.. output];
    }

    private double Kernel(double x)
    {
        var scaled = x * _cutoff;
        var sinc = Math.Abs(scaled) < 1e-9 ? 1.0 : Math.Sin(Math.PI * scaled) / (Math.PI * scaled);
        var position = (x / _halfWidth + 1) / 2;
        var window = position is <= 0 or >= 1 ? 0 : 0.42 - (0.5 * Math.Cos(2 * Math.PI * position)) + (0.08 * Math.Cos(4 * Math.PI * position));
        return _cutoff * sinc * window;
    }
}
