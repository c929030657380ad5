using System.Security.Cryptography;
using System.Text;
using MediaCluster.Media.Samples;

namespace MediaCluster.Media.Learning;

/// <summary>
/// Text classification of transcripts (the <c>text</c> task): datasets are CSV files of <c>text,label</c> (a header
/// line; RFC 4180 quoting, so a text may hold commas, quotes and line breaks); a text's features are hashed word
/// unigrams and bigrams (<see cref="TextFeatures"/>), so the same vector classifier, registry and promotion serve it.
/// </summary>
public sealed class TextTask(string name, IReadOnlyList<string> labels, ClassifierConfig? config = null) : LearningTask
{
    public const string TaskName = "text";

    public const string Kind = "text";

    /// <summary>The built-in task whose model labels transcript segments and summaries once a user trains it.</summary>
    public TextTask()
        : this(TaskName, TextSamples.Labels)
    {
    }

    public override string Name { get; } = name;

    public override IReadOnlyList<string> Labels { get; } = labels;

    public override ClassifierConfig DefaultConfig { get; } = config ?? new();

    public override Task<IReadOnlyList<LabelledExample>> ExamplesAsync(IReadOnlyList<string> csvFiles, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var examples = new List<LabelledExample>();
        var labels = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < csvFiles.Count; i++)
        {
            var name = Path.GetFileName(csvFiles[i]);
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var (text, label, line) in Read(Limits.ReadText(csvFiles[i]), name))
            {
                examples.Add(new LabelledExample(TextFeatures.Of(text), label, Source: $"{name}:{line}"));
                Limits.CheckExamples(name, examples.Count);
                labels.Add(label);
                Limits.CheckLabels(name, labels);
            }

            progress?.Report((i + 1) / (double)csvFiles.Count);
        }

        return Task.FromResult<IReadOnlyList<LabelledExample>>(examples);
    }

    public override Task<string> HashAsync(IReadOnlyList<string> csvFiles, CancellationToken cancellationToken = default)
    {
        // Each file is read (within the limits) as it is hashed, so a dataset the trainer cannot take is refused before
        // it is queued.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var labels = new HashSet<string>(StringComparer.Ordinal);
        var examples = 0;
        foreach (var csv in csvFiles)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = Limits.ReadBytes(csv);
            hash.AppendData(bytes);
            foreach (var (_, label, _) in Read(Encoding.UTF8.GetString(bytes), Path.GetFileName(csv)))
            {
                Limits.CheckExamples(csv, ++examples);
                labels.Add(label);
                Limits.CheckLabels(csv, labels);
            }
        }

        return Task.FromResult(Convert.ToHexStringLower(hash.GetHashAndReset())[..16]);
    }

    /// <summary>The rows of a <c>text,label</c> CSV; a malformed one is an error naming the file and line.</summary>
    internal static IEnumerable<(string Text, string Label, int Line)> Read(string csv, string name)
    {
        var rows = DataCsv.Records(csv, name).ToList();
        if (rows.Count == 0 || rows[0].Fields is not ["text", "label"])
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"{name}: the first line must be the header 'text,label'");
        }

        foreach (var (fields, line) in rows.Skip(1))
        {
            if (fields is not [var text, var label] || text.Trim().Length == 0 || label.Trim().Length == 0)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{name} line {line}: expected text,label (quote a text that holds commas)");
            }

            yield return (text, label.Trim(), line);
        }
    }
}

/// <summary>
/// A text as a fixed-length vector: lower-cased words (letters, digits, apostrophes) and pairs of neighbouring words
/// (so "not good" is not "good"), each hashed (FNV-1a) into <see cref="Dimensions"/> buckets, counts damped by log,
/// the whole scaled to unit length.
/// </summary>
public static class TextFeatures
{
    public const int Dimensions = 2048;

    public static float[] Of(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || c == '\'')
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        var counts = new float[Dimensions];
        for (var i = 0; i < words.Count; i++)
        {
            counts[Bucket(words[i])]++;
            if (i > 0)
            {
                counts[Bucket(words[i - 1] + " " + words[i])]++;
            }
        }

        var norm = 0.0;
        for (var i = 0; i < Dimensions; i++)
        {
            counts[i] = counts[i] > 0 ? 1 + MathF.Log(counts[i]) : 0;
            norm += counts[i] * counts[i];
        }

        if (norm > 0)
        {
            var scale = (float)(1 / Math.Sqrt(norm));
            for (var i = 0; i < Dimensions; i++)
            {
                counts[i] *= scale;
            }
        }

        return counts;
    }

    private static int Bucket(string token)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(token))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % Dimensions);
    }
}
