using System.Text;

namespace MediaCluster.Media.Asr;

/// <summary>
/// Word error rate: (substitutions + deletions + insertions) / reference words, from a word-level edit
/// distance. Both texts are lower-cased and reduced to letters, digits and apostrophes first, so case and
/// punctuation never count as errors.
/// </summary>
public static class WordErrorRate
{
    /// <summary>The rate in percent (0 when both are empty).</summary>
    public static double Percent(string reference, string hypothesis)
    {
        var (errors, words) = Count(reference, hypothesis);
        return words == 0 ? (errors == 0 ? 0 : 100) : 100.0 * errors / words;
    }

    /// <summary>Edit operations and reference word count, for pooling over many utterances.</summary>
    public static (int Errors, int ReferenceWords) Count(string reference, string hypothesis)
    {
        var r = Normalize(reference);
        var h = Normalize(hypothesis);
        var previous = new int[h.Length + 1];
        var current = new int[h.Length + 1];
        for (var j = 0; j <= h.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= r.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= h.Length; j++)
            {
                var substitution = previous[j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return (previous[h.Length], r.Length);
    }

    /// <summary>Lower-case words of letters, digits and apostrophes.</summary>
    public static string[] Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '\'' ? c : ' ');
        }

        return builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
