namespace MediaCluster.Media.Summarize;

/// <summary>A keyword and its TextRank score.</summary>
public sealed record Keyword(string Word, double Score);

/// <summary>An extractive summary: the chosen utterances (indices into the input, in original order) and keywords.</summary>
public sealed record Summary(IReadOnlyList<int> Selected, string Text, IReadOnlyList<Keyword> Keywords);

/// <summary>How long the summary is: a share of the utterances, a word budget, or both (the tighter wins).</summary>
public sealed record SummaryOptions
{
    /// <summary>Share of utterances kept (at least one).</summary>
    public double Ratio { get; init; } = 0.2;

    /// <summary>Most words in the summary; null for no budget. The top utterance is always kept.</summary>
    public int? WordBudget { get; init; } = 120;

    /// <summary>How many keywords to return.</summary>
    public int Keywords { get; init; } = 10;
}

/// <summary>
/// TextRank (Mihalcea and Tarau, 2004) over utterances. ASR output has no punctuation, so each VAD segment is
/// a "sentence". Similarity is shared content words over log lengths; PageRank with damping 0.85 ranks them;
/// the best are returned in their original order, skipping repeats of an utterance already chosen. Keywords: PageRank over a co-occurrence graph (window 2).
/// Deterministic: ties go to the earlier utterance or the alphabetically first word.
/// </summary>
public static class TextRank
{
    private const double Damping = 0.85;
    private const int MaxIterations = 200;
    private const double Tolerance = 1e-9;

    /// <summary>Summarises <paramref name="utterances"/>.</summary>
    public static Summary Summarize(IReadOnlyList<string> utterances, SummaryOptions? options = null)
    {
        options ??= new SummaryOptions();
        var tokens = utterances.Select(ContentWords).ToArray();
        var n = utterances.Count;
        if (n == 0)
        {
            return new Summary([], string.Empty, []);
        }

        var weights = new double[n, n];
        var sets = tokens.Select(t => t.ToHashSet(StringComparer.Ordinal)).ToArray();
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var w = Similarity(sets[i], sets[j]);
                weights[i, j] = w;
                weights[j, i] = w;
            }
        }

        var scores = PageRank(n, (i, j) => weights[i, j]);
        var order = Enumerable.Range(0, n)
            .Where(i => tokens[i].Length > 0)
            .OrderByDescending(i => scores[i]).ThenBy(i => i)
            .ToList();
        var keep = Math.Max(1, (int)Math.Ceiling(n * options.Ratio));
        var selected = new List<int>();
        var words = 0;
        foreach (var i in order)
        {
            var length = utterances[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            if (selected.Count >= keep || (options.WordBudget is { } budget && selected.Count > 0 && words + length > budget))
            {
                continue;
            }

            // A repeated utterance (same content words) says nothing new.
            if (selected.Any(j => sets[j].SetEquals(sets[i])))
            {
                continue;
            }

            selected.Add(i);
            words += length;
        }

        selected.Sort();
        return new Summary(selected, string.Join(" … ", selected.Select(i => utterances[i])), Keywords(tokens, options.Keywords));
    }

    /// <summary>Keywords by PageRank over word co-occurrence within a window of 2 content words.</summary>
    public static IReadOnlyList<Keyword> Keywords(IReadOnlyList<string[]> tokens, int count)
    {
        var vocabulary = tokens.SelectMany(t => t).Distinct(StringComparer.Ordinal).OrderBy(w => w, StringComparer.Ordinal).ToList();
        var index = vocabulary.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
        var edges = new Dictionary<(int, int), double>();
        foreach (var words in tokens)
        {
            for (var k = 0; k + 1 < words.Length; k++)
            {
                var (a, b) = (index[words[k]], index[words[k + 1]]);
                if (a == b)
                {
                    continue;
                }

                edges[(a, b)] = edges.GetValueOrDefault((a, b)) + 1;
                edges[(b, a)] = edges.GetValueOrDefault((b, a)) + 1;
            }
        }

        var scores = PageRank(vocabulary.Count, (i, j) => edges.GetValueOrDefault((i, j)));
        return Enumerable.Range(0, vocabulary.Count)
            .OrderByDescending(i => scores[i]).ThenBy(i => vocabulary[i], StringComparer.Ordinal)
            .Take(count)
            .Select(i => new Keyword(vocabulary[i], Math.Round(scores[i], 6)))
            .ToList();
    }

    /// <summary>Lower-case words of three or more letters that are not stop words.</summary>
    public static string[] ContentWords(string text) =>
        Asr.WordErrorRate.Normalize(text).Where(w => w.Length > 2 && !s_stopWords.Contains(w)).ToArray();

    private static double Similarity(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count < 2 || b.Count < 2)
        {
            return a.Count == 0 || b.Count == 0 ? 0 : a.Count(b.Contains) / 2.0;
        }

        var shared = a.Count(b.Contains);
        return shared == 0 ? 0 : shared / (Math.Log(a.Count) + Math.Log(b.Count));
    }

    /// <summary>Weighted PageRank: score(i) = (1 − d) + d · Σ_j w(j,i) / Σ_k w(j,k) · score(j).</summary>
    private static double[] PageRank(int n, Func<int, int, double> weight)
    {
        var outgoing = new double[n];
        for (var j = 0; j < n; j++)
        {
            for (var k = 0; k < n; k++)
            {
                outgoing[j] += weight(j, k);
            }
        }

        var scores = Enumerable.Repeat(1.0, n).ToArray();
        var next = new double[n];
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var change = 0.0;
            for (var i = 0; i < n; i++)
            {
                var sum = 0.0;
                for (var j = 0; j < n; j++)
                {
                    if (outgoing[j] > 0)
                    {
                        var w = weight(j, i);
                        if (w > 0)
                        {
                            sum += w / outgoing[j] * scores[j];
                        }
                    }
                }

                next[i] = (1 - Damping) + (Damping * sum);
                change = Math.Max(change, Math.Abs(next[i] - scores[i]));
            }

            (scores, next) = (next, scores);
            if (change < Tolerance)
            {
                break;
            }
        }

        return scores;
    }

    private static readonly HashSet<string> s_stopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our", "out", "has", "him",
        "his", "how", "its", "may", "new", "now", "old", "see", "two", "who", "did", "get", "let", "say", "she", "too", "use", "that",
        "with", "have", "this", "will", "your", "from", "they", "know", "want", "been", "good", "much", "some", "time", "very", "when",
        "come", "here", "just", "like", "long", "make", "many", "more", "only", "over", "such", "take", "than", "them", "then", "there",
        "these", "those", "what", "which", "while", "would", "could", "should", "about", "after", "again", "also", "into", "were", "being",
        "because", "where", "their", "other", "might", "even", "still", "must", "shall", "upon", "each", "every", "own", "same", "yet",
        "we're", "i'm", "it's", "don't", "doesn't", "didn't", "can't", "won't", "that's", "there's", "yeah", "okay", "uh", "um",
    };
}
