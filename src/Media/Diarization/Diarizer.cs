namespace MediaCluster.Media.Diarization;

/// <summary>
/// One speech segment's voice: its span in the recording and its windows — <see cref="SpeakerFeatures"/> statistics,
/// or with <paramref name="Model"/> the vectors of that speaker-embedding model (<see cref="SpeakerEmbedder"/>).
/// </summary>
public sealed record SegmentVoice(TimeSpan Start, TimeSpan End, IReadOnlyList<(int FirstFrame, float[] Statistics)> Windows, VoiceModel? Model = null);

/// <summary>The speaker-embedding model that measured a voice (its id) and the cosine distance within which its clusters are one speaker.</summary>
public sealed record VoiceModel(string Id, double Threshold);

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
/// by BIC over its MFCC statistics; an embedding model's vectors in pieces of a few windows), the pieces clustered
/// (<see cref="SpeakerClustering"/>, or <see cref="EmbeddingClustering"/> by cosine distance), then every window
/// re-assigned to the nearest speaker with a cost for changing speaker inside a segment (a Viterbi pass), and the
/// windows' spans joined into turns. Deterministic: the same segments give the same turns.
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

    /// <summary>The most windows of one segment clustered as one piece of an embedding model's vectors (about 3 s).</summary>
    public const int EmbeddingPieceWindows = 4;

    /// <summary>
    /// The turns of the segments' speakers, ids <c>spk1</c>… in order of first appearance; none without windows. The
    /// windows of the kind most segments carry are used (MFCC statistics, or one embedding model's vectors: a cluster
    /// whose gpu nodes were set up differently); a segment measured otherwise counts as one without windows.
    /// </summary>
    public static IReadOnlyList<SpeakerTurn> Diarize(IReadOnlyList<SegmentVoice> segments, SpeakerCount count, double lambda = SpeakerClustering.Lambda)
    {
        var ordered = segments.OrderBy(s => s.Start).ToList();
        var kind = ordered.Where(s => s.Windows.Count > 0).GroupBy(s => s.Model?.Id ?? "").OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault();
        if (kind is null)
        {
            return [];
        }

        var model = kind.First().Model;
        var runs = ordered.Select(s => (IReadOnlyList<float[]>)((s.Model?.Id ?? "") == kind.Key ? [.. s.Windows.Select(w => w.Statistics)] : [])).ToList();
        var paths = model is null ? Statistics(runs, count, lambda) : Embeddings(runs, count, model.Threshold);
        return Turns(ordered, runs, paths);
    }

    /// <summary>MFCC statistics: change points by BIC, clustering by BIC, re-segmentation by each speaker's Gaussian.</summary>
    private static int[][] Statistics(List<IReadOnlyList<float[]>> runs, SpeakerCount count, double lambda)
    {
        var measured = runs.Where(r => r.Count > 0).ToList();
        var dims = measured[0][0].Length;
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
        var means = Resegmentation.Means(runs, pieces, labels, dims);
        var windowVariance = variance.Window.Select((w, d) => w + variance.Piece[d]).ToArray(); // a window is a piece of one
        return [.. runs.Select(run => Resegmentation.Viterbi(run.Count, means.Length, (w, k) =>
        {
            var distance = 0.0;
            for (var d = 0; d < dims; d++)
            {
                var diff = run[w][d] - means[k][d];
                distance += diff * diff / windowVariance[d];
            }

            return 0.5 * distance;
        }, SwitchCost))];
    }

    /// <summary>
    /// An embedding model's vectors: each segment cut into pieces of at most <see cref="EmbeddingPieceWindows"/>
    /// windows, the pieces clustered by cosine distance (<see cref="EmbeddingClustering"/>), each window re-assigned to
    /// the nearest speaker's mean direction at a cost of the model's threshold per change (a change must be worth as much
    /// as the distance the model calls one voice: on the tests' model, half or three times that changed nothing).
    /// </summary>
    private static int[][] Embeddings(List<IReadOnlyList<float[]>> runs, SpeakerCount count, double threshold)
    {
        var units = runs.Select(run => (IReadOnlyList<float[]>)[.. run.Select(EmbeddingClustering.Unit)]).ToList();
        var pieces = new List<(int Segment, int From, int To)>();
        for (var s = 0; s < units.Count; s++)
        {
            var parts = (units[s].Count + EmbeddingPieceWindows - 1) / EmbeddingPieceWindows;
            for (var p = 0; p < parts; p++)
            {
                pieces.Add((s, p * units[s].Count / parts, (p + 1) * units[s].Count / parts));
            }
        }

        var labels = EmbeddingClustering.Cluster(
            [.. pieces.Select(p => (IReadOnlyList<float[]>)[.. units[p.Segment].Skip(p.From).Take(p.To - p.From)])], count.Count, count.Min, count.Max, threshold);
        var directions = Resegmentation.Means(units, pieces, labels, units.First(u => u.Count > 0)[0].Length).Select(EmbeddingClustering.Unit).ToArray();
        return [.. units.Select(run => Resegmentation.Viterbi(run.Count, directions.Length, (w, k) => 1 - EmbeddingClustering.Dot(run[w], directions[k]), threshold))];
    }

    /// <summary>
    /// Turns from each segment's window speakers: a window's span runs from the middle between its centre and the
    /// previous window's (the segment's start for the first) to the middle between its centre and the next one's (the
    /// segment's end); a segment without windows takes the speaker of the nearest span; speakers numbered by first
    /// appearance in time.
    /// </summary>
    private static List<SpeakerTurn> Turns(List<SegmentVoice> ordered, List<IReadOnlyList<float[]>> runs, int[][] paths)
    {
        var spans = new List<(TimeSpan Start, TimeSpan End, int Speaker)>();
        for (var s = 0; s < ordered.Count; s++)
        {
            if (runs[s].Count == 0)
            {
                continue;
            }

            var windows = ordered[s].Windows;
            var path = paths[s];
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

        foreach (var segment in ordered.Where((s, i) => runs[i].Count == 0 && s.End > s.Start))
        {
            var middle = (segment.Start + segment.End) / 2;
            var nearest = spans.MinBy(x => Math.Min(Math.Abs((x.Start - middle).Ticks), Math.Abs((x.End - middle).Ticks)));
            spans.Add((segment.Start, segment.End, nearest.Speaker));
        }

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
}
