namespace MediaCluster.Media.Diarization;

/// <summary>
/// What tells one voice from another without a model: mel-frequency cepstral coefficients of 16 kHz mono speech
/// (25-ms Hamming frames every 10 ms, pre-emphasis 0.97, a 512-point FFT, 26 mel bands over 20–7 600 Hz, the log
/// energies' orthonormal DCT-II, coefficients 1–19: c0, the loudness, is left out), and their mean and standard
/// deviation over windows of 1.5 s every 0.75 s — the statistics diarization compares and clusters.
/// </summary>
public static class SpeakerFeatures
{
    public const int SampleRate = 16_000;

    /// <summary>Cepstral coefficients kept per frame (c1–c19).</summary>
    public const int Coefficients = 19;

    /// <summary>Values per window: each coefficient's mean, then its standard deviation.</summary>
    public const int Dimensions = 2 * Coefficients;

    /// <summary>Frames per window (1.5 s) and between window starts (0.75 s).</summary>
    public const int WindowFrames = 150;

    public const int HopFrames = 75;

    /// <summary>The seconds one frame stands for.</summary>
    public const double FrameSeconds = 0.01;

    /// <summary>Samples between frame starts (10 ms) and in a frame (25 ms).</summary>
    public const int FrameStep = 160;

    private const int FrameLength = 400;
    private const int FftSize = 512;
    private const int Bands = 26;

    private static readonly float[] s_window = [.. Enumerable.Range(0, FrameLength).Select(i => (float)(0.54 - (0.46 * Math.Cos(2 * Math.PI * i / (FrameLength - 1)))))];
    private static readonly float[][] s_filters = MelFilters();
    private static readonly float[][] s_dct = Dct();

    /// <summary>The windows of 16 kHz 16-bit speech (what a gpu node measures per segment as it recognises it).</summary>
    public static IReadOnlyList<(int FirstFrame, float[] Statistics)> OfPcm16(ReadOnlySpan<short> samples) => Windows(Mfcc(Floats(samples)));

    /// <summary>16-bit samples as floats in [-1, 1).</summary>
    public static float[] Floats(ReadOnlySpan<short> samples)
    {
        var floats = new float[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            floats[i] = samples[i] / 32768f;
        }

        return floats;
    }

    /// <summary>One row of <see cref="Coefficients"/> per 10-ms frame of <paramref name="samples"/> (none for less than 25 ms).</summary>
    public static float[][] Mfcc(ReadOnlySpan<float> samples)
    {
        var count = FramesOf(samples.Length);
        var frames = new float[count][];
        var re = new double[FftSize];
        var im = new double[FftSize];
        var energies = new double[Bands];
        for (var f = 0; f < count; f++)
        {
            Array.Clear(re);
            Array.Clear(im);
            var start = f * FrameStep;
            for (var i = 0; i < FrameLength; i++)
            {
                var previous = start + i > 0 ? samples[start + i - 1] : 0f;
                re[i] = (samples[start + i] - (0.97f * previous)) * s_window[i];
            }

            Fft(re, im);
            for (var b = 0; b < Bands; b++)
            {
                var sum = 0.0;
                var filter = s_filters[b];
                for (var k = 0; k < filter.Length; k++)
                {
                    if (filter[k] > 0)
                    {
                        sum += filter[k] * ((re[k] * re[k]) + (im[k] * im[k]));
                    }
                }

                energies[b] = Math.Log(Math.Max(sum, 1e-10));
            }

            var row = new float[Coefficients];
            for (var c = 0; c < Coefficients; c++)
            {
                var sum = 0.0;
                for (var b = 0; b < Bands; b++)
                {
                    sum += s_dct[c + 1][b] * energies[b];
                }

                row[c] = (float)sum;
            }

            frames[f] = row;
        }

        return frames;
    }

    /// <summary>
    /// Each window's statistics over <paramref name="mfcc"/>'s frames, with its first frame: windows of
    /// <see cref="WindowFrames"/> every <see cref="HopFrames"/>, the last one ending at the last frame (a span shorter
    /// than a window gives one window over all of it; fewer than 10 frames give none).
    /// </summary>
    public static IReadOnlyList<(int FirstFrame, float[] Statistics)> Windows(float[][] mfcc) =>
        [.. WindowStarts(mfcc.Length).Select(start => (start, Statistics(mfcc, start, Math.Min(mfcc.Length, start + WindowFrames))))];

    /// <summary>The 10-ms frames (25 ms long) of <paramref name="samples"/> 16 kHz samples.</summary>
    public static int FramesOf(int samples) => samples < FrameLength ? 0 : 1 + ((samples - FrameLength) / FrameStep);

    /// <summary>
    /// The first frames of the windows over <paramref name="frames"/> frames: every <see cref="HopFrames"/> while a whole
    /// window fits, and one ending at the last frame (one from 0 when fewer than a window; none for fewer than 10).
    /// </summary>
    public static IReadOnlyList<int> WindowStarts(int frames)
    {
        if (frames < 10)
        {
            return [];
        }

        var starts = new List<int>();
        for (var start = 0; start + WindowFrames <= frames; start += HopFrames)
        {
            starts.Add(start);
        }

        var last = Math.Max(0, frames - WindowFrames);
        if (starts.Count == 0 || starts[^1] != last)
        {
            starts.Add(last);
        }

        return starts;
    }

    /// <summary>The mean and standard deviation of each coefficient over frames [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static float[] Statistics(float[][] mfcc, int from, int to)
    {
        var stats = new float[Dimensions];
        var n = to - from;
        for (var c = 0; c < Coefficients; c++)
        {
            double sum = 0, squares = 0;
            for (var f = from; f < to; f++)
            {
                sum += mfcc[f][c];
                squares += mfcc[f][c] * (double)mfcc[f][c];
            }

            var mean = sum / n;
            stats[c] = (float)mean;
            stats[Coefficients + c] = (float)Math.Sqrt(Math.Max(0, (squares / n) - (mean * mean)));
        }

        return stats;
    }

    private static float[][] MelFilters()
    {
        static double Mel(double hz) => 2595 * Math.Log10(1 + (hz / 700));
        static double Hz(double mel) => 700 * (Math.Pow(10, mel / 2595) - 1);
        var (low, high) = (Mel(20), Mel(7600));
        var bins = Enumerable.Range(0, Bands + 2).Select(i => Hz(low + ((high - low) * i / (Bands + 1))) * FftSize / SampleRate).ToArray();
        var filters = new float[Bands][];
        for (var b = 0; b < Bands; b++)
        {
            filters[b] = new float[(FftSize / 2) + 1];
            for (var k = 0; k < filters[b].Length; k++)
            {
                var rising = (k - bins[b]) / (bins[b + 1] - bins[b]);
                var falling = (bins[b + 2] - k) / (bins[b + 2] - bins[b + 1]);
                filters[b][k] = (float)Math.Max(0, Math.Min(rising, falling));
            }
        }

        return filters;
    }

    private static float[][] Dct() =>
        [.. Enumerable.Range(0, Coefficients + 1).Select(c => Enumerable.Range(0, Bands)
            .Select(b => (float)(Math.Sqrt((c == 0 ? 1.0 : 2.0) / Bands) * Math.Cos(Math.PI * c * (b + 0.5) / Bands))).ToArray())];

    /// <summary>An in-place radix-2 FFT of a power-of-two length.</summary>
    private static void Fft(double[] re, double[] im)
    {
        var n = re.Length;
        for (int i = 1, j = 0; i < n; i++)
        {
            var bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        for (var length = 2; length <= n; length <<= 1)
        {
            var angle = -2 * Math.PI / length;
            var (wRe, wIm) = (Math.Cos(angle), Math.Sin(angle));
            for (var i = 0; i < n; i += length)
            {
                var (cRe, cIm) = (1.0, 0.0);
                for (var k = 0; k < length / 2; k++)
                {
                    var (aRe, aIm) = (re[i + k], im[i + k]);
                    var (bRe, bIm) = ((re[i + k + (length / 2)] * cRe) - (im[i + k + (length / 2)] * cIm), (re[i + k + (length / 2)] * cIm) + (im[i + k + (length / 2)] * cRe));
                    (re[i + k], im[i + k]) = (aRe + bRe, aIm + bIm);
                    (re[i + k + (length / 2)], im[i + k + (length / 2)]) = (aRe - bRe, aIm - bIm);
                    (cRe, cIm) = ((cRe * wRe) - (cIm * wIm), (cRe * wIm) + (cIm * wRe));
                }
            }
        }
    }
}
