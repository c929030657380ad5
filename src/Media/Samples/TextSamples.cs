namespace MediaCluster.Media.Samples;

/// <summary>
/// A small labelled text set for the <c>text</c> task (sentiment: positive, negative, neutral), written by the test kit
/// and used for the default model: sentences built from templates, subjects and phrases of each sentiment, shuffled by
/// seed. Real users train their own from <c>text,label</c> CSV files.
/// </summary>
public static class TextSamples
{
    public const string Positive = "positive";
    public const string Negative = "negative";
    public const string Neutral = "neutral";

    public static readonly string[] Labels = [Positive, Negative, Neutral];

    private static readonly string[] Subjects =
        ["the meeting", "this talk", "the new plan", "our trip", "the book", "the weather", "the service", "the report", "her idea", "the garden",
         "the journey", "his letter", "the dinner", "the music", "the old house", "the lesson", "the market", "the story", "the evening", "the answer"];

    private static readonly Dictionary<string, string[]> Phrases = new()
    {
        [Positive] =
        [
            "was wonderful", "made me very happy", "was a great success", "went really well", "was beautiful and kind", "exceeded every hope",
            "was a delight from start to end", "left everyone smiling", "was excellent", "felt bright and hopeful", "was the best we have had",
            "was lovely", "brought real joy", "worked perfectly", "was pleasant and warm",
        ],
        [Negative] =
        [
            "was terrible", "made me very sad", "was a complete failure", "went badly wrong", "was cruel and cold", "fell far short of hope",
            "was a misery from start to end", "left everyone angry", "was awful", "felt dark and hopeless", "was the worst we have had",
            "was dreadful", "brought nothing but grief", "broke down again", "was unpleasant and bitter",
        ],
        [Neutral] =
        [
            "took place on tuesday", "lasted about an hour", "was held in the north room", "is listed in the second chapter", "began at nine",
            "was described in the letter", "has three parts", "was moved to the next week", "is on the table", "was written in french",
            "covers the usual topics", "was scheduled for the morning", "happened near the station", "is twenty pages long", "was mentioned twice",
        ],
    };

    private static readonly string[] Templates = ["{0} {1}.", "I think {0} {1}.", "Honestly, {0} {1}.", "Everyone said {0} {1}.", "{0} {1}, as I recall."];

    /// <summary>Writes <c>labels.csv</c> (text,label) with <paramref name="perLabel"/> sentences per label; returns its path.</summary>
    public static async Task<string> WriteDatasetAsync(string directory, int perLabel, int seed, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var rows = new List<string>();
        foreach (var label in Labels)
        {
            for (var i = 0; i < perLabel; i++)
            {
                rows.Add($"\"{Sentence(label, random)}\",{label}");
            }
        }

        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
        var csv = Path.Combine(directory, "labels.csv");
        await File.WriteAllLinesAsync(csv, ["text,label", .. rows], cancellationToken).ConfigureAwait(false);
        return csv;
    }

    /// <summary>One sentence of <paramref name="label"/>.</summary>
    public static string Sentence(string label, Random random)
    {
        var subject = Subjects[random.Next(Subjects.Length)];
        var phrase = Phrases[label][random.Next(Phrases[label].Length)];
        var sentence = string.Format(System.Globalization.CultureInfo.InvariantCulture, Templates[random.Next(Templates.Length)], subject, phrase);
        return char.ToUpperInvariant(sentence[0]) + sentence[1..];
    }
}
