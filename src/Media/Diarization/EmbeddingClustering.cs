namespace MediaCluster.Media.Diarization;

/// <summary>
/// Who spoke which pieces, from a speaker-embedding model's vectors: agglomerative clustering by the cosine distance
/// between clusters' mean directions (each cluster the sum of its windows' unit vectors), all the way down, then the
/// cut: before the first merge at or beyond the model's threshold, or where the count given (or the bounds) holds.
/// Only clusters of at least <see cref="SpeakerWindows"/> windows count as speakers; a smaller one — a cough, a
/// crosstalk blip, a window mostly silence, whose odd direction would otherwise stay apart while two real voices
/// merge — goes, piece by piece, to the nearest speaker.
/// </summary>
public static class EmbeddingClustering
{
    /// <summary>The fewest windows (with 0.75-s hops, about 6 s of speech) of a cluster that counts as a speaker.</summary>
    public const int SpeakerWindows = 8;

    /// <summary>A cluster number per piece (0, 1, … in order of first appearance); see <see cref="SpeakerClustering.Cluster"/> for the bounds.</summary>
    public static int[] Cluster(IReadOnlyList<IReadOnlyList<float[]>> pieces, int? speakers, int minSpeakers, int maxSpeakers, double threshold)
    {
        var n = pieces.Count;
        var measured = Enumerable.Range(0, n).Where(i => pieces[i].Count > 0).ToList();
        if (measured.Count == 0)
        {
            return new int[n];
        }

        var dims = pieces[measured[0]][0].Length;
        var sums = pieces.Select(piece => Sum(piece, dims)).ToArray();
        var working = sums.Select(sum => (double[])sum.Clone()).ToArray();
        var merges = Agglomeration.Merges(
            n,
            measured,
            (i, j) => Distance(working[i], working[j]),
            (a, b) =>
            {
                for (var d = 0; d < dims; d++)
                {
                    working[a][d] += working[b][d];
                }
            });

        // Speakers (clusters big enough) after each number of merges.
        var sizes = pieces.Select(p => p.Count).ToArray();
        var large = new int[merges.Count + 1];
        large[0] = measured.Count(i => sizes[i] >= SpeakerWindows);
        for (var s = 0; s < merges.Count; s++)
        {
            var (a, b, _) = merges[s];
            var before = (sizes[a] >= SpeakerWindows ? 1 : 0) + (sizes[b] >= SpeakerWindows ? 1 : 0);
            sizes[a] += sizes[b];
            large[s + 1] = large[s] - before + (sizes[a] >= SpeakerWindows ? 1 : 0);
        }

        var steps = Cut(merges, large, speakers, minSpeakers, maxSpeakers, threshold);

        // The clusters after that many merges; the speakers among them, and each other piece to the nearest speaker.
        var parent = Enumerable.Range(0, n).ToArray();
        int Root(int i) => parent[i] == i ? i : parent[i] = Root(parent[i]);
        foreach (var (a, b, _) in merges.Take(steps))
        {
            parent[Root(b)] = Root(a);
        }

        var clusters = measured.GroupBy(Root).Select(g => g.ToList()).ToList();
        var kept = clusters.Where(c => c.Sum(p => pieces[p].Count) >= SpeakerWindows).ToList();
        if (kept.Count == 0)
        {
            kept = clusters; // a short recording: no cluster is big enough, so every one counts
        }

        var directions = kept.Select(c => Sum(c.SelectMany(p => pieces[p]), dims)).ToList();
        foreach (var piece in clusters.Except(kept).SelectMany(c => c))
        {
            kept[Enumerable.Range(0, kept.Count).MinBy(k => Distance(sums[piece], directions[k]))].Add(piece);
        }

        return Agglomeration.Labels(n, [.. kept.Select(c => c.Order().ToList()).OrderBy(c => c[0])]);
    }

    /// <summary>
    /// How many merges to keep: with a count, the most merges leaving that many speakers (else the fewest leaving more,
    /// else none); without, those before the first at or beyond the threshold, then more or fewer to keep within the bounds.
    /// </summary>
    private static int Cut(List<(int A, int B, double Score)> merges, int[] large, int? speakers, int minSpeakers, int maxSpeakers, double threshold)
    {
        if (speakers is { } given)
        {
            var target = Math.Max(1, given);
            for (var s = merges.Count; s >= 0; s--)
            {
                if (large[s] >= target)
                {
                    return s;
                }
            }

            return 0;
        }

        var steps = merges.FindIndex(m => m.Score >= threshold) is var first and >= 0 ? first : merges.Count;
        while (steps < merges.Count && large[steps] > maxSpeakers)
        {
            steps++;
        }

        while (steps > 0 && large[steps] < minSpeakers && large[steps - 1] >= large[steps])
        {
            steps--;
        }

        return steps;
    }

    private static double[] Sum(IEnumerable<float[]> windows, int dims)
    {
        var sum = new double[dims];
        foreach (var window in windows)
        {
            for (var d = 0; d < dims; d++)
            {
                sum[d] += window[d];
            }
        }

        return sum;
    }

    /// <summary>1 − cos between two directions (0: the same, 2: opposite; 1 when either is zero).</summary>
    public static double Distance(double[] a, double[] b)
    {
        var (dot, aa, bb) = (0.0, 0.0, 0.0);
        for (var d = 0; d < a.Length; d++)
        {
            dot += a[d] * b[d];
            aa += a[d] * a[d];
            bb += b[d] * b[d];
        }

        return aa == 0 || bb == 0 ? 1 : 1 - (dot / Math.Sqrt(aa * bb));
    }

    /// <summary><paramref name="vector"/> scaled to length 1 (a zero vector stays zero).</summary>
    public static float[] Unit(float[] vector)
    {
        var length = Math.Sqrt(vector.Sum(v => (double)v * v));
        return length == 0 ? [.. vector] : [.. vector.Select(v => (float)(v / length))];
    }

    /// <summary>The dot product of two vectors of one length.</summary>
    public static double Dot(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var d = 0; d < a.Length; d++)
        {
            sum += a[d] * (double)b[d];
        }

        return sum;
    }
}
