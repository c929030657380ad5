namespace MediaCluster.Media.Diarization;

/// <summary>
/// Agglomerative clustering's loop, for any pair score (lower: closer): every pair scored once (a triangle of floats:
/// ~48 MB for the ~5 000 segments of three hours) and each cluster's nearest kept; a merge rescores only the merged
/// cluster's row and the rows whose nearest it was. Deterministic: ties go to the lowest numbers.
/// </summary>
internal static class Agglomeration
{
    /// <summary>
    /// Merges the closest pair while <paramref name="mergeMore"/>(its score, clusters left) says so; <paramref name="merge"/>(a, b)
    /// folds cluster b into a (a &lt; b) before a is rescored. Items not in <paramref name="items"/> take no part.
    /// Returns the surviving clusters' items, in order of their first item.
    /// </summary>
    public static List<List<int>> Run(
        int n, IEnumerable<int> items, Func<int, int, double> score, Action<int, int> merge, Func<double, int, bool> mergeMore, Action<int, int, double>? merged = null)
    {
        var members = Enumerable.Range(0, n).Select(i => new List<int> { i }).ToList();
        var alive = items.ToList();
        var scores = new float[n][];
        foreach (var i in alive)
        {
            scores[i] = new float[i];
            foreach (var j in alive.Where(j => j < i))
            {
                scores[i][j] = (float)score(i, j);
            }
        }

        float Score(int i, int j) => i > j ? scores[i][j] : scores[j][i];
        var nearest = new Dictionary<int, (float Score, int Partner)>();
        void FindNearest(int i)
        {
            var best = (float.PositiveInfinity, -1);
            foreach (var j in alive)
            {
                if (j != i && Score(i, j) < best.Item1)
                {
                    best = (Score(i, j), j);
                }
            }

            nearest[i] = best;
        }

        foreach (var i in alive)
        {
            FindNearest(i);
        }

        while (alive.Count > 1)
        {
            // The closest pair (ties: the lowest numbers), in order a < b.
            var a = alive.MinBy(i => (nearest[i].Score, Math.Min(i, nearest[i].Partner)));
            var b = nearest[a].Partner;
            (a, b) = (Math.Min(a, b), Math.Max(a, b));
            if (!mergeMore(nearest[a].Score, alive.Count))
            {
                break;
            }

            members[a].AddRange(members[b]);
            merged?.Invoke(a, b, nearest[a].Score);
            merge(a, b);
            alive.Remove(b);
            nearest.Remove(b);
            scores[b] = [];
            foreach (var j in alive.Where(j => j != a))
            {
                var value = (float)score(a, j);
                if (a > j)
                {
                    scores[a][j] = value;
                }
                else
                {
                    scores[j][a] = value;
                }
            }

            foreach (var i in alive)
            {
                if (i == a || nearest[i].Partner == a || nearest[i].Partner == b)
                {
                    FindNearest(i);
                }
                else if (Score(i, a) < nearest[i].Score)
                {
                    nearest[i] = (Score(i, a), a);
                }
            }
        }

        return [.. alive.Select(c => members[c]).OrderBy(m => m.Min())];
    }

    /// <summary>Every merge, in order, down to one cluster: the pair (a &lt; b, b folded into a) and the score they merged at.</summary>
    public static List<(int A, int B, double Score)> Merges(int n, IEnumerable<int> items, Func<int, int, double> score, Action<int, int> merge)
    {
        var merges = new List<(int, int, double)>();
        Run(n, items, score, merge, (_, _) => true, (a, b, closest) => merges.Add((a, b, closest)));
        return merges;
    }

    /// <summary>
    /// A cluster number per item (0, 1, … in order of first appearance); an item outside every cluster (one without
    /// data) takes the number of the item before it, or the first number.
    /// </summary>
    public static int[] Labels(int n, IReadOnlyList<List<int>> clusters)
    {
        var labels = Enumerable.Repeat(-1, n).ToArray();
        for (var c = 0; c < clusters.Count; c++)
        {
            foreach (var item in clusters[c])
            {
                labels[item] = c;
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
}
