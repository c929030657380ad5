using System.Runtime.InteropServices;
using static MediaCluster.Media.Asr.PocketSphinxNative;

namespace MediaCluster.Media.Asr;

/// <summary>What a live client asks of a decoder (<see cref="RecognitionHints"/>): a phrase grammar, and n-best alternatives.</summary>
internal sealed unsafe partial class PocketSphinxDecoder
{
    /// <summary>The name under which the phrase grammar is added as a search.</summary>
    private const string PhraseSearch = "phrases";

    /// <summary>The search the decoder starts with (the language model); the grammar's is used only for a stream that asks.</summary>
    private string _defaultSearch = string.Empty;

    /// <summary>The grammar last added under <see cref="PhraseSearch"/> (added again only when it changes).</summary>
    private string? _grammar;

    /// <summary>
    /// Restricts the next utterances to <paramref name="phrases"/>, in any sequence (a JSGF grammar, <c>&lt;phrase&gt;+</c>),
    /// until <see cref="Unrestrict"/>. Words are matched lower-case; a phrase with a word the dictionary lacks (or any
    /// character but letters, digits and apostrophes) is left out, as vosk leaves such words out, and vosk's
    /// <c>[unk]</c> is ignored. Returns the phrases kept; with none, the language model stays in use. Only between utterances.
    /// </summary>
    public IReadOnlyList<string> Restrict(IReadOnlyList<string> phrases)
    {
        var kept = phrases
            .Select(p => p.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words.Length > 0 && words.All(Known))
            .Select(words => string.Join(' ', words))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (kept.Count == 0)
        {
            Unrestrict();
            return kept;
        }

        var grammar = $"#JSGF V1.0;\ngrammar {PhraseSearch};\npublic <utterance> = <phrase>+;\n<phrase> = {string.Join(" | ", kept)};\n";
        if (grammar != _grammar)
        {
            Check(ps_set_jsgf_string(_decoder, PhraseSearch, grammar), "ps_set_jsgf_string");
            _grammar = grammar;
        }

        Check(ps_set_search(_decoder, PhraseSearch), "ps_set_search");
        return kept;
    }

    /// <summary>Back to the language model (after a restricted stream, before the decoder serves anyone else).</summary>
    public void Unrestrict()
    {
        if (_grammar is not null)
        {
            Check(ps_set_search(_decoder, _defaultSearch), "ps_set_search");
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> distinct hypotheses: <paramref name="best"/> (the decoder's result) first, then the
    /// utterance lattice's others (A* over it, as pocketsphinx's n-best gives them) by path score; each with its share of
    /// their summed probability (path scores in the decoder's log base; the first counted at the list's best score, since
    /// the walk's scores can rank another path above the decoder's choice) and its words.
    /// </summary>
    private List<RecognitionAlternative> NBest(int count, Recognition best)
    {
        var found = new List<(string Text, int Score, List<RecognizedWord> Words)>();
        var nbest = ps_nbest(_decoder);
        try
        {
            // Hypotheses that differ only in fillers or pronunciations are one; a bound on the walk keeps it short.
            for (var step = 0; nbest != 0 && found.Count < count && step < 50 + (10 * count); step++)
            {
                int score;
                var text = Clean(Marshal.PtrToStringUTF8(ps_nbest_hyp(nbest, &score)) ?? string.Empty);
                if (text.Length > 0 && found.All(f => f.Text != text))
                {
                    found.Add((text, score, Words(ps_nbest_seg(nbest), withConfidence: false)));
                }

                nbest = ps_nbest_next(nbest);
            }
        }
        finally
        {
            if (nbest != 0)
            {
                ps_nbest_free(nbest);
            }
        }

        // The A* walk's order is not quite its scores' order: by path score, after the decoder's own result.
        var top = found.Count == 0 ? 0 : found.Max(f => f.Score);
        var others = found.Where(f => f.Text != best.Text).OrderByDescending(f => f.Score).Take(count - 1);
        List<(string Text, int Score, List<RecognizedWord> Words)> ranked = [(best.Text, top, [.. best.Words]), .. others];
        var logmath = ps_get_logmath(_decoder);
        var shares = ranked.Select(f => logmath_exp(logmath, f.Score - top)).ToList();
        var sum = shares.Sum();
        return [.. ranked.Select((f, i) => new RecognitionAlternative(f.Text, Math.Round(shares[i] / sum, 6), f.Words))];
    }

    private bool Known(string word)
    {
        if (!word.All(c => char.IsAsciiLetterOrDigit(c) || c == '\''))
        {
            return false;
        }

        var phones = ps_lookup_word(_decoder, word);
        if (phones == 0)
        {
            return false;
        }

        NativeMemory.Free((void*)phones);
        return true;
    }
}
