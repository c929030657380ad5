namespace MediaCluster.Media.Diarization;

/// <summary>
/// Who spoke which pieces: agglomerative clustering of pieces of speech (each a run of <see cref="SpeakerFeatures"/>
/// windows, e.g. a speech segment), merging at each step the two clusters whose separate means the data supports
/// least, by the Bayesian information criterion under one shared diagonal covariance — the within-speaker variance
/// estimated from consecutive windows, which a speaker rarely changes between. Without a count it stops when every
/// remaining pair's separation is worth its parameters (ΔBIC &gt; 0, penalty weight <c>lambda</c>), within the
/// bounds given; with one, at that count.
/// Deterministic: ties go to the earlier pair.
/// </summary>
public static class SpeakerClustering
{
    /// <summary>
    /// The BIC's penalty weight. Windows overlap by half and a voice's statistics move with what is said, so the
    /// textbook 1 splits a voice in two: on turns of festival's and espeak-ng's voices, 1.5–4 found every voice and no
    /// more (6 merged two), so 2.5, the middle (to be tuned again on ./mc bench diarization's conversations).
    /// </summary>
    public const double Lambda = 2.5;

    /// <summary>
    /// A cluster number per piece (0, 1, … in order of first appearance). <paramref name="speakers"/> fixes the count;
    /// else it is found, kept within <paramref name="minSpeakers"/>–<paramref name="maxSpeakers"/>.
    /// </summary>
    public static int[] Cluster(IReadOnlyList<IReadOnlyList<float[]>> pieces, int? speakers = null, int minSpeakers = 1, int maxSpeakers = 20, double lambda = Lambda)
    {
        var n = pieces.Count;
        if (n == 0)
        {
            return [];
        }

        var all = pieces.SelectMany(p => p).ToList();
        if (all.Count == 0)
        {
            return new int[n];
        }

        var dims = all[0].Length;
        var variance = WithinVariance(all, dims);
        var penalty = 0.5 * lambda * dims * Math.Log(all.Count);

        // Each cluster: its pieces, window count and the sum of its windows (the mean is sum / count).
        var members = Enumerable.Range(0, n).Select(i => new List<int> { i }).ToList();
        var counts = pieces.Select(p => p.Count).ToList();
        var sums = pieces.Select(p =>
        {
            var sum = new double[dims];
            foreach (var w in p)
            {
                for (var d = 0; d < dims; d++)
                {
                    sum[d] += w[d];
                }
            }

            return sum;
        }).ToList();
        var alive = Enumerable.Range(0, n).Where(i => counts[i] > 0).ToList();
        var target = speakers is { } given ? Math.Max(1, given) : (int?)null;
        while (alive.Count > 1)
        {
            var (best, a, b) = (double.PositiveInfinity, -1, -1);
            for (var x = 0; x < alive.Count; x++)
            {
                for (var y = x + 1; y < alive.Count; y++)
                {
                    var score = Separation(counts[alive[x]], sums[alive[x]], counts[alive[y]], sums[alive[y]], variance) - penalty;
                    if (score < best)
                    {
                        (best, a, b) = (score, alive[x], alive[y]);
                    }
                }
            }

            var merge = target is { } t ? alive.Count > t : (best < 0 && alive.Count > minSpeakers) || alive.Count > maxSpeakers;
            if (!merge)
            {
                break;
            }

            members[a].AddRange(members[b]);
            counts[a] += counts[b];
            for (var d = 0; d < dims; d++)
            {
                sums[a][d] += sums[b][d];
            }

            alive.Remove(b);
        }

        // Numbered by first appearance; a piece with no windows takes the cluster of the piece before it (or the first).
        var labels = Enumerable.Repeat(-1, n).ToArray();
        var next = 0;
        var numbers = new Dictionary<int, int>();
        foreach (var cluster in alive.OrderBy(c => members[c].Min()))
        {
            numbers[cluster] = next++;
            foreach (var piece in members[cluster])
            {
                labels[piece] = numbers[cluster];
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (labels[i] < 0)
            {
                labels[i] = i > 0 ? labels[i - 1] : labels.FirstOrDefault(l => l >= 0, 0);
            }
        }

        return labels;
    }

    /// <summary>The log-likelihood the data gains from two means instead of one: ½ Σ_d n₁n₂/(n₁+n₂) (μ₁−μ₂)² / σ²_d.</summary>
    private static double Separation(int n1, double[] sum1, int n2, double[] sum2, double[] variance)
    {
        var weight = n1 * (double)n2 / (n1 + n2);
        var total = 0.0;
        for (var d = 0; d < variance.Length; d++)
        {
            var diff = (sum1[d] / n1) - (sum2[d] / n2);
            total += diff * diff / variance[d];
        }

        return 0.5 * weight * total;
    }

    /// <summary>Each dimension's within-speaker variance: half the mean squared difference of consecutive windows (floored).</summary>
    private static double[] WithinVariance(IReadOnlyList<float[]> windows, int dims)
    {
        var variance = new double[dims];
        if (windows.Count < 2)
        {
            Array.Fill(variance, 1.0);
            return variance;
        }

        for (var t = 1; t < windows.Count; t++)
        {
            for (var d = 0; d < dims; d++)
            {
                var diff = windows[t][d] - windows[t - 1][d];
                variance[d] += diff * diff;
            }
        }

        for (var d = 0; d < dims; d++)
        {
            variance[d] = Math.Max(variance[d] / (2.0 * (windows.Count - 1)), 1e-6);
        }

        return variance;
    }
}
