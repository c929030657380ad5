namespace MediaCluster.Media.Diarization;

/// <summary>
/// Re-segmentation's two steps, whatever a speaker's voice is measured by: each speaker's mean window over the pieces
/// clustered as theirs, and the cheapest speaker per window of a segment under a cost per change (a Viterbi pass).
/// </summary>
internal static class Resegmentation
{
    /// <summary>Each speaker's mean window over the pieces labelled theirs.</summary>
    public static float[][] Means(List<IReadOnlyList<float[]>> runs, List<(int Segment, int From, int To)> pieces, int[] labels, int dims)
    {
        var speakers = labels.Length == 0 ? 0 : labels.Max() + 1;
        var sums = Enumerable.Range(0, speakers).Select(_ => new double[dims]).ToArray();
        var sizes = new int[speakers];
        for (var p = 0; p < pieces.Count; p++)
        {
            var (segment, from, to) = pieces[p];
            for (var w = from; w < to; w++)
            {
                sizes[labels[p]]++;
                for (var d = 0; d < dims; d++)
                {
                    sums[labels[p]][d] += runs[segment][w][d];
                }
            }
        }

        return [.. sums.Select((sum, k) => sum.Select(v => (float)(v / Math.Max(1, sizes[k]))).ToArray())];
    }

    /// <summary>The cheapest speaker per window of <paramref name="n"/>: <paramref name="cost"/>(window, speaker) each, plus <paramref name="switchCost"/> per change.</summary>
    public static int[] Viterbi(int n, int k, Func<int, int, double> cost, double switchCost)
    {
        var total = new double[k];
        var back = new int[n, k];
        for (var w = 0; w < n; w++)
        {
            var next = new double[k];
            for (var j = 0; j < k; j++)
            {
                var (from, best) = (j, w == 0 ? 0 : total[j]);
                for (var i = 0; i < k && w > 0; i++)
                {
                    if (i != j && total[i] + switchCost < best)
                    {
                        (from, best) = (i, total[i] + switchCost);
                    }
                }

                back[w, j] = from;
                next[j] = best + cost(w, j);
            }

            total = next;
        }

        var path = new int[n];
        var last = 0;
        for (var j = 1; j < k; j++)
        {
            if (total[j] < total[last])
            {
                last = j;
            }
        }

        for (var w = n - 1; w >= 0; w--)
        {
            path[w] = last;
            last = back[w, last];
        }

        return path;
    }
}
