using System.Globalization;
using MediaCluster.Media.Samples;

namespace MediaCluster.Media.Learning;

/// <summary>The four VADER scores of a text: the shares of positive, negative and neutral, and the normalised compound in [-1, 1].</summary>
public sealed record VaderScores(double Negative, double Neutral, double Positive, double Compound);

/// <summary>
/// VADER (Hutto and Gilbert, 2014: a rule-based sentiment model over a lexicon rated by people): each word's mean
/// rating from the lexicon (the npm package <c>vader-sentiment</c>'s <c>vader_lexicon.txt</c>, fetched by
/// <c>./mc setup</c>), adjusted by the model's rules — booster and dampener words before it (±0.293, less with distance),
/// negation within three words (×-0.74), words in capitals among others that are not (±0.733), "but" (before ×0.5,
/// after ×1.5), "least", idioms, "never so/this" — then summed with emphasis from "!" and "?" and normalised
/// x/√(x²+15). The label follows the model's own thresholds: compound ≥ 0.05 positive, ≤ -0.05 negative.
/// </summary>
public sealed class Vader
{
    /// <summary>The task name its labels carry (model version 0: the lexicon is not trained here).</summary>
    public const string TaskName = "vader";

    /// <summary>The lexicon file's name in <c>.native/</c>.</summary>
    public const string LexiconFile = "vader_lexicon.txt";

    private const double BoosterIncrement = 0.293;
    private const double BoosterDecrement = -0.293;
    private const double CapsIncrement = 0.733;
    private const double NegationScalar = -0.74;
    private const long MaxLexiconBytes = 4 << 20;

    private static readonly HashSet<string> Negations = new(StringComparer.Ordinal)
    {
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't", "can't", "couldn't",
        "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither", "don't",
        "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't", "neednt", "needn't", "never", "none", "nope", "nor",
        "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "oughtn't", "shan't",
        "shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom",
        "despite",
    };

    private static readonly Dictionary<string, double> Boosters = BuildBoosters();

    private static readonly Dictionary<string, double> Idioms = new(StringComparer.Ordinal)
    {
        ["the shit"] = 3, ["the bomb"] = 3, ["bad ass"] = 1.5, ["badass"] = 1.5, ["bus stop"] = 0, ["yeah right"] = -2,
        ["kiss of death"] = -1.5, ["to die for"] = 3, ["beating heart"] = 3.1, ["broken heart"] = -2.9,
    };

    private readonly Dictionary<string, double> _lexicon;

    private Vader(Dictionary<string, double> lexicon) => _lexicon = lexicon;

    /// <summary>The lexicon from <c>.native/</c> (or MC_NATIVE_DIR), read once per process.</summary>
    public static Vader Default => s_default.Value;

    private static readonly Lazy<Vader> s_default = new(() => Load(NativeFiles.Find(LexiconFile)));

    /// <summary>Reads a lexicon file: one <c>token TAB mean TAB …</c> line per entry (bounded; a malformed line is an error naming it).</summary>
    public static Vader Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length > MaxLexiconBytes)
        {
            throw new MediaException(MediaErrorKind.ToolMissing, $"the VADER lexicon '{path}' is {(info.Exists ? $"{info.Length} bytes, over {MaxLexiconBytes}" : "missing")}; run ./mc setup");
        }

        var lexicon = new Dictionary<string, double>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length < 2 || fields[0].Length == 0 || !double.TryParse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var mean) || !double.IsFinite(mean))
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"the VADER lexicon '{path}' line {number} is not 'token TAB mean TAB …'");
            }

            lexicon[fields[0]] = mean;
        }

        return new Vader(lexicon);
    }

    /// <summary>The label (positive, negative, neutral) and its confidence (the compound's size; 1 - |compound| for neutral).</summary>
    public Prediction Label(string text)
    {
        var compound = Scores(text).Compound;
        return compound >= 0.05 ? new Prediction(TextSamples.Positive, compound)
            : compound <= -0.05 ? new Prediction(TextSamples.Negative, -compound)
            : new Prediction(TextSamples.Neutral, 1 - Math.Abs(compound));
    }

    /// <summary>VADER's scores of <paramref name="text"/> (shares rounded to 3 places, compound to 4, as the model reports them).</summary>
    public VaderScores Scores(string text)
    {
        var words = Words(text);
        var capsDiffer = CapsDiffer(words);
        var lower = words.Select(w => w.ToLowerInvariant()).ToArray();
        var sentiments = new List<double>(words.Length);
        for (var i = 0; i < words.Length; i++)
        {
            if (Boosters.ContainsKey(lower[i]) || (lower[i] == "kind" && i + 1 < words.Length && lower[i + 1] == "of"))
            {
                sentiments.Add(0); // a modifier, not a sentiment of its own
                continue;
            }

            sentiments.Add(Valence(words, lower, i, capsDiffer));
        }

        ButCheck(lower, sentiments);
        return Score(sentiments, text);
    }

    private double Valence(string[] words, string[] lower, int i, bool capsDiffer)
    {
        if (!_lexicon.TryGetValue(lower[i], out var rating))
        {
            return 0;
        }

        var valence = rating;
        if (lower[i] == "no" && i != words.Length - 1 && _lexicon.ContainsKey(lower[i + 1]))
        {
            valence = 0; // "no" negates the next word instead
        }

        if ((i > 0 && lower[i - 1] == "no") || (i > 1 && lower[i - 2] == "no") || (i > 2 && lower[i - 3] == "no" && lower[i - 1] is "or" or "nor"))
        {
            valence = rating * NegationScalar;
        }

        if (IsUpper(words[i]) && capsDiffer)
        {
            valence += valence > 0 ? CapsIncrement : -CapsIncrement;
        }

        for (var back = 0; back < 3; back++)
        {
            if (i > back && !_lexicon.ContainsKey(lower[i - (back + 1)]))
            {
                var scalar = BoosterScalar(words[i - (back + 1)], lower[i - (back + 1)], valence, capsDiffer);
                scalar *= back switch { 1 => 0.95, 2 => 0.9, _ => 1 };
                valence += scalar;
                valence = NegationCheck(valence, lower, back, i);
                if (back == 2)
                {
                    valence = IdiomCheck(valence, lower, i);
                }
            }
        }

        return LeastCheck(valence, lower, i);
    }

    private static double BoosterScalar(string word, string lower, double valence, bool capsDiffer)
    {
        if (!Boosters.TryGetValue(lower, out var scalar))
        {
            return 0;
        }

        if (valence < 0)
        {
            scalar = -scalar;
        }

        if (IsUpper(word) && capsDiffer)
        {
            scalar += valence > 0 ? CapsIncrement : -CapsIncrement;
        }

        return scalar;
    }

    private static double NegationCheck(double valence, string[] lower, int back, int i)
    {
        switch (back)
        {
            case 0:
                return Negated(lower[i - 1]) ? valence * NegationScalar : valence;
            case 1:
                if (lower[i - 2] == "never" && lower[i - 1] is "so" or "this")
                {
                    return valence * 1.25;
                }

                return lower[i - 2] == "without" && lower[i - 1] == "doubt" ? valence
                    : Negated(lower[i - 2]) ? valence * NegationScalar : valence;
            default:
                // As the model has it: "never so/this" two and three words back, or "so"/"this" just before, emphasises.
                if ((lower[i - 3] == "never" && lower[i - 2] is "so" or "this") || lower[i - 1] is "so" or "this")
                {
                    return valence * 1.25;
                }

                return lower[i - 3] == "without" && (lower[i - 2] == "doubt" || lower[i - 1] == "doubt") ? valence
                    : Negated(lower[i - 3]) ? valence * NegationScalar : valence;
        }
    }

    private static double IdiomCheck(double valence, string[] lower, int i)
    {
        string[] before =
        [
            $"{lower[i - 1]} {lower[i]}", $"{lower[i - 2]} {lower[i - 1]} {lower[i]}", $"{lower[i - 2]} {lower[i - 1]}",
            $"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}", $"{lower[i - 3]} {lower[i - 2]}",
        ];
        foreach (var sequence in before)
        {
            if (Idioms.TryGetValue(sequence, out var idiom))
            {
                valence = idiom;
                break;
            }
        }

        if (lower.Length - 1 > i && Idioms.TryGetValue($"{lower[i]} {lower[i + 1]}", out var after))
        {
            valence = after;
        }

        if (lower.Length - 1 > i + 1 && Idioms.TryGetValue($"{lower[i]} {lower[i + 1]} {lower[i + 2]}", out var after3))
        {
            valence = after3;
        }

        foreach (var gram in new[] { before[3], before[4], before[2] })
        {
            if (Boosters.TryGetValue(gram, out var boost))
            {
                valence += boost; // two- and three-word dampeners such as "sort of"
            }
        }

        return valence;
    }

    private double LeastCheck(double valence, string[] lower, int i)
    {
        if (i > 1 && !_lexicon.ContainsKey(lower[i - 1]) && lower[i - 1] == "least")
        {
            return lower[i - 2] is not "at" and not "very" ? valence * NegationScalar : valence;
        }

        return i > 0 && !_lexicon.ContainsKey(lower[i - 1]) && lower[i - 1] == "least" ? valence * NegationScalar : valence;
    }

    /// <summary>"but" shifts the weight: what comes before it counts half, what comes after one and a half times.</summary>
    private static void ButCheck(string[] lower, List<double> sentiments)
    {
        var but = Array.IndexOf(lower, "but");
        if (but < 0)
        {
            return;
        }

        for (var i = 0; i < sentiments.Count; i++)
        {
            sentiments[i] *= i < but ? 0.5 : i > but ? 1.5 : 1;
        }
    }

    private static VaderScores Score(List<double> sentiments, string text)
    {
        if (sentiments.Count == 0)
        {
            return new VaderScores(0, 0, 0, 0);
        }

        var sum = sentiments.Sum();
        var emphasis = PunctuationEmphasis(text);
        sum += sum > 0 ? emphasis : sum < 0 ? -emphasis : 0;
        var compound = Math.Clamp(sum / Math.Sqrt((sum * sum) + 15), -1, 1);

        double positive = 0, negative = 0, neutral = 0;
        foreach (var s in sentiments)
        {
            if (s > 0)
            {
                positive += s + 1; // the 1 compensates for neutral words, each counted as 1
            }
            else if (s < 0)
            {
                negative += s - 1;
            }
            else
            {
                neutral += 1;
            }
        }

        if (positive > Math.Abs(negative))
        {
            positive += emphasis;
        }
        else if (positive < Math.Abs(negative))
        {
            negative -= emphasis;
        }

        var total = positive + Math.Abs(negative) + neutral;
        return new VaderScores(
            Math.Round(Math.Abs(negative / total), 3), Math.Round(Math.Abs(neutral / total), 3), Math.Round(Math.Abs(positive / total), 3), Math.Round(compound, 4));
    }

    private static double PunctuationEmphasis(string text)
    {
        var exclamations = Math.Min(4, text.Count(c => c == '!'));
        var questions = text.Count(c => c == '?');
        var questionEmphasis = questions > 1 ? (questions <= 3 ? questions * 0.18 : 0.96) : 0;
        return (exclamations * 0.292) + questionEmphasis;
    }

    private static bool Negated(string lower) => Negations.Contains(lower) || lower.Contains("n't", StringComparison.Ordinal);

    /// <summary>Whitespace-separated tokens, each stripped of surrounding punctuation unless that leaves two characters or fewer (emoticons, "a.").</summary>
    private static string[] Words(string text) =>
        [.. text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(token =>
        {
            var stripped = token.Trim(Punctuation);
            return stripped.Length <= 2 ? token : stripped;
        })];

    private static readonly char[] Punctuation = [.. "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"];

    /// <summary>True when some but not all words are in capitals (then capitals emphasise).</summary>
    private static bool CapsDiffer(string[] words)
    {
        var upper = words.Count(IsUpper);
        return upper > 0 && upper < words.Length;
    }

    /// <summary>As Python's str.isupper: at least one cased letter, and no lower-case one.</summary>
    private static bool IsUpper(string word) => word.Any(char.IsUpper) && !word.Any(char.IsLower);

    private static Dictionary<string, double> BuildBoosters()
    {
        var boosters = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var word in """
            absolutely amazingly awfully completely considerable considerably decidedly deeply effing enormous enormously
            entirely especially exceptional exceptionally extreme extremely fabulously flipping flippin frackin fracking
            fricking frickin frigging friggin fully fuckin fucking fuggin fugging greatly hella highly hugely incredible
            incredibly intensely major majorly more most particularly purely quite really remarkably so substantially
            thoroughly total totally tremendous tremendously uber unbelievably unusually utter utterly very
            """.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            boosters[word] = BoosterIncrement;
        }

        foreach (var word in new[]
        {
            "almost", "barely", "hardly", "just enough", "kind of", "kinda", "kindof", "kind-of", "less", "little", "marginal",
            "marginally", "occasional", "occasionally", "partly", "scarce", "scarcely", "slight", "slightly", "somewhat",
            "sort of", "sorta", "sortof", "sort-of",
        })
        {
            boosters[word] = BoosterDecrement;
        }

        return boosters;
    }
}
