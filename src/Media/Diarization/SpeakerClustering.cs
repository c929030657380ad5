namespace MediaCluster.Media.Diarization;

/// <summary>
/// How a voice's window statistics vary, per dimension: from one window to the next (<see cref="Window"/>, half the
/// mean squared difference of consecutive windows) and, over and above that, from one piece of speech to another
/// of the same voice as what is said changes (<see cref="Piece"/>, from the two halves of each longer segment).
/// A piece of h windows then tells its voice's mean to within a variance of Piece + Window / h.
/// </summary>
public sealed record VoiceVariance(double[] Window, double[] Piece)
{
    /// <summary>The fewest windows a segment needs to show how its halves differ.</summary>
    private const int HalvesFrom = 4;

    /// <summary>What a piece of <paramref name="windows"/> windows tells about its voice's mean, per dimension (the inverse of its variance).</summary>
    public double[] Precision(int windows) => [.. Window.Select((w, d) => 1 / (Piece[d] + (w / Math.Max(1, windows))))];

    /// <summary>Estimates both from runs of consecutive windows (segments: a run's windows are one voice, mostly).</summary>
    public static VoiceVariance Estimate(IReadOnlyList<IReadOnlyList<float[]>> runs, int dims)
    {
        var meter = new Meter(dims);
        foreach (var run in runs)
        {
            meter.Add(run);
        }

        return meter.Variance;
    }

    /// <summary>Gathers the estimate run by run (a live session's utterances as they come).</summary>
    public sealed class Meter(int dims)
    {
        private readonly double[] _window = new double[dims];
        private readonly double[] _squares = new double[dims];
        private double _inverse;
        private int _halves;
        private int _pairs;

        public void Add(IReadOnlyList<float[]> run)
        {
            for (var t = 1; t < run.Count; t++)
            {
                for (var d = 0; d < dims; d++)
                {
                    var diff = run[t][d] - run[t - 1][d];
                    _window[d] += diff * diff;
                }

                _pairs++;
            }

            if (run.Count < HalvesFrom)
            {
                return;
            }

            var h1 = run.Count / 2;
            var h2 = run.Count - h1;
            for (var d = 0; d < dims; d++)
            {
                var (m1, m2) = (0.0, 0.0);
                for (var t = 0; t < run.Count; t++)
                {
                    if (t < h1)
                    {
                        m1 += run[t][d] / h1;
                    }
                    else
                    {
                        m2 += run[t][d] / h2;
                    }
                }

                _squares[d] += (m1 - m2) * (m1 - m2);
            }

            _inverse += (1.0 / h1) + (1.0 / h2);
            _halves++;
        }

        /// <summary>
        /// The estimate so far: E[(m₁ − m₂)²] = 2·Piece + Window·(1/h₁ + 1/h₂) for the means m of a segment's halves of h₁
        /// and h₂ windows, averaged over segments. (The median over segments, less moved by a segment whose voice
        /// changes, was tried: it found two to five voices too many on ./mc bench diarization — a voice's pieces differ
        /// by more than its segments' halves do.) Without a segment long enough, a piece is taken to drift as much as a
        /// window varies.
        /// </summary>
        public VoiceVariance Variance
        {
            get
            {
                var window = _window.Select(w => _pairs == 0 ? 1.0 : Math.Max(w / (2.0 * _pairs), 1e-6)).ToArray();
                var piece = _halves == 0
                    ? [.. window]
                    : window.Select((w, d) => Math.Max(0.1 * w, (_squares[d] - (w * _inverse)) / (2.0 * _halves))).ToArray();
                return new VoiceVariance(window, piece);
            }
        }
    }
}

/// <summary>
/// Who spoke which pieces: agglomerative clustering of pieces of speech (each a run of <see cref="SpeakerFeatures"/>
/// windows, e.g. a speech segment), merging at each step the two clusters whose separate means the data supports
/// least, by the Bayesian information criterion: each piece's mean is its voice's mean plus what was said in it
/// (<see cref="VoiceVariance"/>), so a cluster's mean is its pieces' means weighed by what each tells, and the gain of
/// two means over one is ½ Σ_d (μ₁−μ₂)² / (v₁ + v₂) against a penalty of ½ λ d ln(pieces). Without a count it stops
/// when every remaining pair's separation is worth its parameters (ΔBIC &gt; 0), within the bounds given; with one,
/// at that count (the loop: <see cref="Agglomeration"/>).
/// </summary>
public static class SpeakerClustering
{
    /// <summary>
    /// The BIC's penalty weight (1 is the textbook value; the windows' statistics overlap by half and a voice's pieces
    /// differ in kind): 3 found every voice of ./mc bench diarization's conversations (with <see cref="PiecesAtMost"/>
    /// 12; 2.5 one too many of three and four) and of six festival/espeak-ng turns (1.05–3.5 there).
    /// </summary>
    public const double Lambda = 3;

    /// <summary>
    /// A cluster number per piece (0, 1, … in order of first appearance). <paramref name="speakers"/> fixes the count;
    /// else it is found, kept within <paramref name="minSpeakers"/>–<paramref name="maxSpeakers"/>. The voices'
    /// <paramref name="variance"/> may be given; else it is estimated from the pieces.
    /// </summary>
    public static int[] Cluster(
        IReadOnlyList<IReadOnlyList<float[]>> pieces, int? speakers = null, int minSpeakers = 1, int maxSpeakers = 20, double lambda = Lambda, VoiceVariance? variance = null)
    {
        var n = pieces.Count;
        if (n == 0)
        {
            return [];
        }

        var measured = pieces.Where(p => p.Count > 0).ToList();
        if (measured.Count == 0)
        {
            return new int[n];
        }

        var dims = measured[0][0].Length;
        variance ??= VoiceVariance.Estimate(measured, dims);
        var penalty = Penalty(lambda, dims, measured.Count);
        var cap = Cap(variance);

        // Each cluster: per dimension its precision and its precision-weighted sum of piece means.
        var precision = new double[n][];
        var weighted = new double[n][];
        for (var i = 0; i < n; i++)
        {
            precision[i] = pieces[i].Count == 0 ? new double[dims] : variance.Precision(pieces[i].Count);
            weighted[i] = new double[dims];
            for (var d = 0; d < dims && pieces[i].Count > 0; d++)
            {
                weighted[i][d] = precision[i][d] * pieces[i].Average(w => w[d]);
            }
        }

        var target = speakers is { } given ? Math.Max(1, given) : (int?)null;
        var clusters = Agglomeration.Run(
            n,
            Enumerable.Range(0, n).Where(i => pieces[i].Count > 0),
            (i, j) => Separation(precision[i], weighted[i], precision[j], weighted[j], cap),
            (a, b) =>
            {
                for (var d = 0; d < dims; d++)
                {
                    precision[a][d] += precision[b][d];
                    weighted[a][d] += weighted[b][d];
                }
            },
            (closest, left) => target is { } t ? left > t : (closest - penalty < 0 && left > minSpeakers) || left > maxSpeakers);

        // A piece with no windows takes the cluster of the piece before it (or the first).
        return Agglomeration.Labels(n, [.. clusters.Select(c => c.Where(p => pieces[p].Count > 0).ToList())]);
    }

    /// <summary>The BIC penalty for one more mean of <paramref name="dims"/> values over <paramref name="pieces"/> pieces.</summary>
    public static double Penalty(double lambda, int dims, int pieces) => 0.5 * lambda * dims * Math.Log(Math.Max(2, pieces));

    /// <summary>
    /// The log-likelihood two means gain over one: ½ Σ_d (μ₁−μ₂)² / (1/P₁ + 1/P₂), each mean μ = W / P given as its
    /// precision P and precision-weighted sum W per dimension.
    /// </summary>
    public static double Separation(double[] precision1, double[] weighted1, double[] precision2, double[] weighted2, double[]? cap = null)
    {
        var total = 0.0;
        for (var d = 0; d < precision1.Length; d++)
        {
            var diff = (weighted1[d] / precision1[d]) - (weighted2[d] / precision2[d]);
            var (p1, p2) = cap is null ? (precision1[d], precision2[d]) : (Math.Min(precision1[d], cap[d]), Math.Min(precision2[d], cap[d]));
            total += diff * diff / ((1 / p1) + (1 / p2));
        }

        return 0.5 * total;
    }

    /// <summary>
    /// The most pieces' worth (of four windows each) of evidence a cluster's mean counts as: one voice's pieces differ
    /// in kind (short replies, long sentences, another recording), so with its evidence unbounded the test finds such a
    /// difference significant once a voice has spoken long enough. On ./mc bench diarization, 12 with λ 3–3.5 found
    /// every voice of the 2-, 3- and 4-voice conversations (4, 8, 16: a narrower λ or none; 24, 32: a voice too many).
    /// </summary>
    public const double PiecesAtMost = 12;

    /// <summary>The most a cluster's mean counts as known, per dimension (see <see cref="PiecesAtMost"/>).</summary>
    public static double[] Cap(VoiceVariance variance) => [.. variance.Precision(4).Select(p => p * PiecesAtMost)];
}
