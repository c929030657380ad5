namespace MediaCluster.Media.Diarization;

/// <summary>Who spoke from when to when (a reference's turn, or a diarization's).</summary>
public sealed record SpeakerTurn(string Speaker, TimeSpan Start, TimeSpan End);

/// <summary>
/// The diarization error rate as NIST's md-eval defines it: the time of missed speech, false alarm and speaker
/// confusion over the scored reference speech time, speakers counted per speaker (overlapping speech scores each
/// speaker in it); a collar around every reference turn's start and end is not scored; the hypothesis's speakers are
/// mapped one to one onto the reference's so as to agree the longest (the Hungarian method), and a speaker left
/// unmapped agrees with no one.
/// </summary>
/// <param name="ScoredSeconds">Reference speech scored (each speaker's time; outside the collars).</param>
/// <param name="MissedSeconds">Reference speech the hypothesis had fewer speakers for.</param>
/// <param name="FalseAlarmSeconds">Hypothesis speech beyond the reference's speakers.</param>
/// <param name="ConfusionSeconds">Speech both had a speaker for, given to the wrong one.</param>
/// <param name="Mapping">Each mapped hypothesis speaker and the reference speaker it stands for.</param>
public sealed record DiarizationError(double ScoredSeconds, double MissedSeconds, double FalseAlarmSeconds, double ConfusionSeconds, IReadOnlyDictionary<string, string> Mapping)
{
    /// <summary>The collar md-eval is usually run with (and the one the benchmarks here use): 0.25 s each side of a boundary.</summary>
    public static readonly TimeSpan DefaultCollar = TimeSpan.FromSeconds(0.25);

    /// <summary>(missed + false alarm + confusion) / scored; 0 when nothing was scored.</summary>
    public double Rate => ScoredSeconds <= 0 ? 0 : (MissedSeconds + FalseAlarmSeconds + ConfusionSeconds) / ScoredSeconds;

    /// <summary>Scores <paramref name="hypothesis"/> against <paramref name="reference"/> with <paramref name="collar"/> (default <see cref="DefaultCollar"/>).</summary>
    public static DiarizationError Score(IReadOnlyList<SpeakerTurn> reference, IReadOnlyList<SpeakerTurn> hypothesis, TimeSpan? collar = null)
    {
        var c = (collar ?? DefaultCollar).TotalSeconds;
        var noScore = reference.SelectMany(t => new[] { (t.Start.TotalSeconds - c, t.Start.TotalSeconds + c), (t.End.TotalSeconds - c, t.End.TotalSeconds + c) })
            .Where(z => z.Item2 > z.Item1).ToList();
        var times = reference.Concat(hypothesis).SelectMany(t => new[] { t.Start.TotalSeconds, t.End.TotalSeconds })
            .Concat(noScore.SelectMany(z => new[] { z.Item1, z.Item2 }))
            .Distinct().Order().ToList();
        var refSpeakers = reference.Select(t => t.Speaker).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var hypSpeakers = hypothesis.Select(t => t.Speaker).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        // The elementary intervals between consecutive boundaries, each with who speaks in it (outside the collars).
        var intervals = new List<(double Seconds, HashSet<string> Ref, HashSet<string> Hyp)>();
        for (var i = 0; i + 1 < times.Count; i++)
        {
            var (from, to) = (times[i], times[i + 1]);
            var middle = (from + to) / 2;
            if (noScore.Any(z => middle > z.Item1 && middle < z.Item2))
            {
                continue;
            }

            intervals.Add((to - from, Active(reference, middle), Active(hypothesis, middle)));
        }

        var agreement = new double[hypSpeakers.Count, refSpeakers.Count];
        foreach (var (seconds, refs, hyps) in intervals)
        {
            foreach (var h in hyps)
            {
                foreach (var r in refs)
                {
                    agreement[hypSpeakers.IndexOf(h), refSpeakers.IndexOf(r)] += seconds;
                }
            }
        }

        var mapping = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (h, r) in Assignment.Maximize(agreement))
        {
            if (agreement[h, r] > 0)
            {
                mapping[hypSpeakers[h]] = refSpeakers[r];
            }
        }

        double scored = 0, missed = 0, falseAlarm = 0, confusion = 0;
        foreach (var (seconds, refs, hyps) in intervals)
        {
            var correct = hyps.Count(h => mapping.TryGetValue(h, out var r) && refs.Contains(r));
            scored += seconds * refs.Count;
            missed += seconds * Math.Max(0, refs.Count - hyps.Count);
            falseAlarm += seconds * Math.Max(0, hyps.Count - refs.Count);
            confusion += seconds * (Math.Min(refs.Count, hyps.Count) - correct);
        }

        return new DiarizationError(scored, missed, falseAlarm, confusion, mapping);
    }

    private static HashSet<string> Active(IReadOnlyList<SpeakerTurn> turns, double at) =>
        turns.Where(t => t.Start.TotalSeconds < at && at < t.End.TotalSeconds).Select(t => t.Speaker).ToHashSet(StringComparer.Ordinal);
}

/// <summary>The assignment problem: rows to columns one to one (as many as the smaller side has) with the largest total.</summary>
public static class Assignment
{
    /// <summary>The (row, column) pairs of a one-to-one assignment of the largest total weight (the Hungarian method, O(n³)).</summary>
    public static IReadOnlyList<(int Row, int Column)> Maximize(double[,] weight)
    {
        var (rows, columns) = (weight.GetLength(0), weight.GetLength(1));
        var n = Math.Max(rows, columns);
        if (n == 0)
        {
            return [];
        }

        // As a minimisation over a square matrix padded with zeros: cost = max − weight.
        var max = 0.0;
        foreach (var w in weight)
        {
            max = Math.Max(max, w);
        }

        var cost = new double[n + 1, n + 1];
        for (var i = 1; i <= n; i++)
        {
            for (var j = 1; j <= n; j++)
            {
                cost[i, j] = i <= rows && j <= columns ? max - weight[i - 1, j - 1] : max;
            }
        }

        // Potentials u (rows), v (columns); p[j] the row matched to column j; way[j] the column before j on the path.
        var u = new double[n + 1];
        var v = new double[n + 1];
        var p = new int[n + 1];
        var way = new int[n + 1];
        for (var i = 1; i <= n; i++)
        {
            p[0] = i;
            var j0 = 0;
            var least = Enumerable.Repeat(double.PositiveInfinity, n + 1).ToArray();
            var used = new bool[n + 1];
            do
            {
                used[j0] = true;
                var (i0, delta, j1) = (p[j0], double.PositiveInfinity, 0);
                for (var j = 1; j <= n; j++)
                {
                    if (used[j])
                    {
                        continue;
                    }

                    var current = cost[i0, j] - u[i0] - v[j];
                    if (current < least[j])
                    {
                        (least[j], way[j]) = (current, j0);
                    }

                    if (least[j] < delta)
                    {
                        (delta, j1) = (least[j], j);
                    }
                }

                for (var j = 0; j <= n; j++)
                {
                    if (used[j])
                    {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        least[j] -= delta;
                    }
                }

                j0 = j1;
            }
            while (p[j0] != 0);

            do
            {
                var j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }

        var pairs = new List<(int, int)>();
        for (var j = 1; j <= n; j++)
        {
            if (p[j] >= 1 && p[j] <= rows && j <= columns)
            {
                pairs.Add((p[j] - 1, j - 1));
            }
        }

        return [.. pairs.OrderBy(x => x.Item1)];
    }
}
