namespace MediaCluster.Media.Diarization;

/// <summary>One speech segment's voice: its span in the recording and its <see cref="SpeakerFeatures"/> windows.</summary>
public sealed record SegmentVoice(TimeSpan Start, TimeSpan End, IReadOnlyList<(int FirstFrame, float[] Statistics)> Windows);

/// <summary>How many people speak: a known <paramref name="Count"/>, else found within <paramref name="Min"/>–<paramref name="Max"/>.</summary>
public sealed record SpeakerCount(int? Count = null, int Min = 1, int Max = SpeakerCount.DefaultMax)
{
    /// <summary>The most speakers found when no bound is given.</summary>
    public const int DefaultMax = 10;

    /// <summary>The most speakers a job may ask for.</summary>
    public const int Limit = 50;
}

/// <summary>
/// Who spoke when, from the speech segments' voices: each segment split where its voice changes (binary segmentation
/// by BIC over its windows), the pieces clustered by <see cref="SpeakerClustering"/>, then every window re-assigned
/// to the nearest speaker with a cost for changing speaker inside a segment (a Viterbi pass), and the windows' spans
/// joined into turns. Deterministic: the same segments give the same turns.
/// </summary>
public static class Diarizer
{
    /// <summary>
    /// The cost of a change of speaker between two windows of one segment, in units of the per-window log-likelihood
    /// (about half the feature count for a window of the speaker it belongs to).
    /// </summary>
    public const double SwitchCost = 40;

    /// <summary>The fewest windows each side of a change point inside a segment (with 0.75-s hops, about 2 s).</summary>
    public const int MinPieceWindows = 2;

    /// <summary>The turns of the segments' speakers, ids <c>spk1</c>… in order of first appearance; none without windows.</summary>
    public static IReadOnlyList<SpeakerTurn> Diarize(IReadOnlyList<SegmentVoice> segments, SpeakerCount count, double lambda = SpeakerClustering.Lambda)
    {
        var ordered = segments.OrderBy(s => s.Start).ToList();
        var runs = ordered.Select(s => (IReadOnlyList<float[]>)[.. s.Windows.Select(w => w.Statistics)]).ToList();
        var total = runs.Sum(r => r.Count);
        if (total == 0)
        {
            return [];
        }

        var dims = runs.First(r => r.Count > 0)[0].Length;
        var measured = runs.Where(r => r.Count > 0).ToList();
        var variance = VoiceVariance.Estimate(measured, dims);
        var penalty = SpeakerClustering.Penalty(lambda, dims, measured.Count);

        // Pieces: each segment cut where its voice changes.
        var pieces = new List<(int Segment, int From, int To)>();
        for (var s = 0; s < runs.Count; s++)
        {
            if (runs[s].Count > 0)
            {
                Split(runs[s], 0, runs[s].Count, variance, penalty, s, pieces);
            }
        }

        var labels = SpeakerClustering.Cluster(
            [.. pieces.Select(p => (IReadOnlyList<float[]>)[.. runs[p.Segment].Skip(p.From).Take(p.To - p.From)])],
            count.Count,
            count.Min,
            count.Max,
            lambda,
            variance);
        var speakers = labels.Length == 0 ? 0 : labels.Max() + 1;
        var means = new double[speakers][];
        var sizes = new int[speakers];
        for (var k = 0; k < speakers; k++)
        {
            means[k] = new double[dims];
        }

        for (var p = 0; p < pieces.Count; p++)
        {
            var (segment, from, to) = pieces[p];
            for (var w = from; w < to; w++)
            {
                sizes[labels[p]]++;
                for (var d = 0; d < dims; d++)
                {
                    means[labels[p]][d] += runs[segment][w][d];
                }
            }
        }

        for (var k = 0; k < speakers; k++)
        {
            for (var d = 0; d < dims; d++)
            {
                means[k][d] /= Math.Max(1, sizes[k]);
            }
        }

        // Re-segmentation, then each window's span: from the middle between its centre and the previous window's (the
        // segment's start for the first) to the middle between its centre and the next one's (the segment's end).
        var spans = new List<(TimeSpan Start, TimeSpan End, int Speaker)>();
        var windowVariance = variance.Window.Select((w, d) => w + variance.Piece[d]).ToArray(); // a window is a piece of one
        for (var s = 0; s < ordered.Count; s++)
        {
            var windows = ordered[s].Windows;
            if (windows.Count == 0)
            {
                continue;
            }

            var path = Viterbi(runs[s], means, windowVariance);
            var centres = windows.Select(w => ordered[s].Start + TimeSpan.FromSeconds((w.FirstFrame + (SpeakerFeatures.WindowFrames / 2.0)) * SpeakerFeatures.FrameSeconds)).ToList();
            for (var w = 0; w < windows.Count; w++)
            {
                var start = w == 0 ? ordered[s].Start : (centres[w - 1] + centres[w]) / 2;
                var end = w == windows.Count - 1 ? ordered[s].End : (centres[w] + centres[w + 1]) / 2;
                if (end <= start)
                {
                    continue;
                }

                if (w > 0 && spans.Count > 0 && spans[^1].Speaker == path[w] && spans[^1].End == start)
                {
                    spans[^1] = (spans[^1].Start, end, path[w]);
                }
                else
                {
                    spans.Add((start, end, path[w]));
                }
            }
        }

        // Segments too short for a window take the speaker of the nearest span.
        foreach (var segment in ordered.Where(s => s.Windows.Count == 0 && s.End > s.Start))
        {
            var middle = (segment.Start + segment.End) / 2;
            var nearest = spans.MinBy(x => Math.Min(Math.Abs((x.Start - middle).Ticks), Math.Abs((x.End - middle).Ticks)));
            spans.Add((segment.Start, segment.End, nearest.Speaker));
        }

        // Numbered by first appearance in time.
        var numbers = new Dictionary<int, int>();
        return [.. spans.OrderBy(x => x.Start).Select(x =>
        {
            if (!numbers.TryGetValue(x.Speaker, out var number))
            {
                numbers[x.Speaker] = number = numbers.Count;
            }

            return new SpeakerTurn(SpeakerTurns.Id(number), x.Start, x.End);
        })];
    }

    /// <summary>Cuts windows [from, to) where the two sides' means differ by more than the penalty, recursively at the best cut.</summary>
    private static void Split(IReadOnlyList<float[]> windows, int from, int to, VoiceVariance variance, double penalty, int segment, List<(int, int, int)> pieces)
    {
        var (best, at) = (0.0, -1);
        if (to - from >= 2 * MinPieceWindows)
        {
            var dims = variance.Window.Length;
            var all = new double[dims];
            for (var w = from; w < to; w++)
            {
                for (var d = 0; d < dims; d++)
                {
                    all[d] += windows[w][d];
                }
            }

            var left = new double[dims];
            for (var cut = from + 1; cut <= to - MinPieceWindows; cut++)
            {
                for (var d = 0; d < dims; d++)
                {
                    left[d] += windows[cut - 1][d];
                }

                if (cut - from < MinPieceWindows)
                {
                    continue;
                }

                var (leftPrecision, rightPrecision) = (variance.Precision(cut - from), variance.Precision(to - cut));
                var leftWeighted = new double[dims];
                var rightWeighted = new double[dims];
                for (var d = 0; d < dims; d++)
                {
                    leftWeighted[d] = leftPrecision[d] * left[d] / (cut - from);
                    rightWeighted[d] = rightPrecision[d] * (all[d] - left[d]) / (to - cut);
                }

                var gain = SpeakerClustering.Separation(leftPrecision, leftWeighted, rightPrecision, rightWeighted) - penalty;
                if (gain > best)
                {
                    (best, at) = (gain, cut);
                }
            }
        }

        if (at < 0)
        {
            pieces.Add((segment, from, to));
            return;
        }

        Split(windows, from, at, variance, penalty, segment, pieces);
        Split(windows, at, to, variance, penalty, segment, pieces);
    }

    /// <summary>The most likely speaker per window: distance to each speaker's mean, plus <see cref="SwitchCost"/> per change.</summary>
    private static int[] Viterbi(IReadOnlyList<float[]> windows, double[][] means, double[] variance)
    {
        var k = means.Length;
        var n = windows.Count;
        var cost = new double[k];
        var back = new int[n, k];
        for (var w = 0; w < n; w++)
        {
            var next = new double[k];
            for (var j = 0; j < k; j++)
            {
                var distance = 0.0;
                for (var d = 0; d < variance.Length; d++)
                {
                    var diff = windows[w][d] - means[j][d];
                    distance += diff * diff / variance[d];
                }

                var (from, best) = (j, w == 0 ? 0 : cost[j]);
                for (var i = 0; i < k && w > 0; i++)
                {
                    if (i != j && cost[i] + SwitchCost < best)
                    {
                        (from, best) = (i, cost[i] + SwitchCost);
                    }
                }

                back[w, j] = from;
                next[j] = best + (0.5 * distance);
            }

            cost = next;
        }

        var path = new int[n];
        var last = 0;
        for (var j = 1; j < k; j++)
        {
            if (cost[j] < cost[last])
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
