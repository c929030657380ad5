namespace MediaCluster.Media.Summarize;

/// <summary>A keyword and its TextRank score.</summary>
public sealed record Keyword(string Word, double Score);

/// <summary>One sentence of a summary: where it was said (when known) and the utterance, sentence-cased.</summary>
public sealed record SummaryPoint(int Index, TimeSpan? Start, string Sentence)
{
    /// <summary>"[00:01:23] Sentence." (or the sentence alone when the time is unknown).</summary>
    public override string ToString() => Start is { } start ? $"[{start:hh\\:mm\\:ss}] {Sentence}" : Sentence;
}

/// <summary>An extractive summary: the chosen utterances (indices into the input, in spoken order) and keywords.</summary>
public sealed record Summary(IReadOnlyList<SummaryPoint> Points, IReadOnlyList<Keyword> Keywords)
{
    /// <summary>The chosen utterances' indices, in spoken order.</summary>
    public IReadOnlyList<int> Selected => [.. Points.Select(p => p.Index)];

    /// <summary>One point per line.</summary>
    public string Text => string.Join("\n", Points);
}

/// <summary>How long the summary is and how it avoids saying a thing twice.</summary>
public sealed record SummaryOptions
{
    /// <summary>Share of utterances kept (at least one).</summary>
    public double Ratio { get; init; } = 0.2;

    /// <summary>Most words in the summary; null: <see cref="WordShare"/> of the input's words, within <see cref="MinWords"/>–<see cref="MaxWords"/>. The top utterance is always kept.</summary>
    public int? WordBudget { get; init; }

    /// <summary>The word budget's share of the input's words (when <see cref="WordBudget"/> is null).</summary>
    public double WordShare { get; init; } = 0.15;

    public int MinWords { get; init; } = 30;

    public int MaxWords { get; init; } = 250;

    /// <summary>Maximal marginal relevance: weight of an utterance's rank against its overlap with what is already chosen.</summary>
    public double Relevance { get; init; } = 0.7;

    /// <summary>Content-word overlap (Jaccard) at which an utterance counts as a repeat of a chosen one and is skipped.</summary>
    public double NearDuplicate { get; init; } = 0.5;

    /// <summary>How many keywords to return.</summary>
    public int Keywords { get; init; } = 10;
}

/// <summary>
/// TextRank (Mihalcea and Tarau, 2004) over utterances. ASR output has no punctuation, so each VAD segment is
/// a "sentence". Similarity is shared content words over log lengths; PageRank with damping 0.85 ranks them.
/// Utterances are then chosen by maximal marginal relevance (rank against overlap with those already chosen), and
/// one that mostly repeats a chosen one (a recurring phrase, or the same words heard twice) is skipped; the length
/// is bounded by the input's. The chosen ones come back in spoken order, sentence-cased, with their start times.
/// Keywords: PageRank over a co-occurrence graph (window 2). Deterministic: ties go to the earlier utterance or
/// the alphabetically first word.
/// </summary>
public static class TextRank
{
    private const double Damping = 0.85;
    private const int MaxIterations = 200;
    private const double Tolerance = 1e-9;

    /// <summary>
    /// Summarises <paramref name="utterances"/>, said at <paramref name="starts"/> when given. With their sentence
    /// <paramref name="embeddings"/> (unit length, e.g. MiniLM's) an utterance ranks by its cosine similarity to the
    /// document's mean embedding, and the redundancy it would add is its largest similarity to one already chosen;
    /// without, by TextRank over shared content words, redundancy their overlap.
    /// </summary>
    public static Summary Summarize(IReadOnlyList<string> utterances, SummaryOptions? options = null, IReadOnlyList<TimeSpan>? starts = null, IReadOnlyList<float[]>? embeddings = null)
    {
        options ??= new SummaryOptions();
        var tokens = utterances.Select(ContentWords).ToArray();
        var n = utterances.Count;
        if (n == 0)
        {
            return new Summary([], []);
        }

        if (embeddings is not null && embeddings.Count != n)
        {
            throw new ArgumentException($"{embeddings.Count} embeddings for {n} utterances", nameof(embeddings));
        }

        var sets = tokens.Select(t => t.ToHashSet(StringComparer.Ordinal)).ToArray();
        var scores = embeddings is null ? Scores(sets) : CentroidScores(embeddings);
        Func<int, int, double> redundancy = embeddings is null
            ? (i, j) => Jaccard(sets[i], sets[j])
            : (i, j) => Math.Max(0, System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(embeddings[i], embeddings[j]));
        var best = Math.Max(scores.Max(), 1e-9);
        var lengths = utterances.Select(u => u.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).ToArray();
        var budget = options.WordBudget ?? Math.Clamp((int)Math.Ceiling(lengths.Sum() * options.WordShare), options.MinWords, options.MaxWords);
        var keep = Math.Max(1, (int)Math.Ceiling(n * options.Ratio));
        var candidates = Enumerable.Range(0, n).Where(i => tokens[i].Length > 0).ToList();
        var overlap = new double[n]; // each candidate's largest redundancy with a chosen utterance, kept up to date
        var repeats = new double[n]; // and its largest content-word overlap with one (a near repeat is skipped)
        var selected = new List<int>();
        var words = 0;
        while (selected.Count < keep && words < budget && candidates.Count > 0)
        {
            // Maximal marginal relevance: the best-ranked utterance that adds the most not yet said.
            var next = candidates[0];
            var value = double.NegativeInfinity;
            foreach (var i in candidates)
            {
                var v = (options.Relevance * scores[i] / best) - ((1 - options.Relevance) * overlap[i]);
                if (v > value)
                {
                    (next, value) = (i, v);
                }
            }

            candidates.Remove(next);
            if (repeats[next] >= options.NearDuplicate || (selected.Count > 0 && words + lengths[next] > budget))
            {
                continue;
            }

            selected.Add(next);
            words += lengths[next];
            foreach (var i in candidates)
            {
                overlap[i] = Math.Max(overlap[i], redundancy(i, next));
                repeats[i] = Math.Max(repeats[i], Jaccard(sets[i], sets[next]));
            }
        }

        selected.Sort();
        var points = selected.Select(i => new SummaryPoint(i, starts?[i], Sentence(utterances[i]))).ToList();
        return new Summary(points, Keywords(tokens, options.Keywords));
    }

    /// <summary>Each utterance's TextRank: PageRank over their content-word similarity.</summary>
    private static double[] Scores(HashSet<string>[] sets)
    {
        var n = sets.Length;
        var weights = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var w = Similarity(sets[i], sets[j]);
                weights[i, j] = w;
                weights[j, i] = w;
            }
        }

        return PageRank(n, (i, j) => weights[i, j]);
    }

    /// <summary>Each utterance's cosine similarity to the mean of all (how central it is to what the document says), at least 0.</summary>
    private static double[] CentroidScores(IReadOnlyList<float[]> embeddings)
    {
        var centroid = new float[embeddings[0].Length];
        foreach (var e in embeddings)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(centroid, e, centroid);
        }

        return [.. embeddings.Select(e => Math.Max(0, (double)System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(e, centroid)))];
    }

    /// <summary>An utterance as a sentence: first letter upper case, the pronoun "I" upper case, a full stop at the end.</summary>
    public static string Sentence(string utterance)
    {
        var text = s_pronoun.Replace(utterance.Trim(), "I");
        if (text.Length == 0)
        {
            return text;
        }

        text = char.ToUpperInvariant(text[0]) + text[1..];
        return text[^1] is '.' or '?' or '!' ? text : text + ".";
    }

    private static readonly System.Text.RegularExpressions.Regex s_pronoun = new(@"(?<![\w'])i(?=\b)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        var shared = 0;
        foreach (var word in a)
        {
            shared += b.Contains(word) ? 1 : 0;
        }

        var union = a.Count + b.Count - shared;
        return union == 0 ? 0 : shared / (double)union;
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
