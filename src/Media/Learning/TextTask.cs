using System.Security.Cryptography;
using System.Text;
using MediaCluster.Media.Samples;

namespace MediaCluster.Media.Learning;

/// <summary>
/// Text classification (the built-in <c>text</c> task of transcripts, and text tasks users define): datasets are CSV
/// files of <c>text,label</c> (a header line; RFC 4180 quoting, so a text may hold commas, quotes and line breaks); a
/// text's features are its MiniLM sentence embedding (<see cref="SentenceEmbedder"/>: texts that mean alike lie close,
/// so a few examples per label go far), and the same vector classifiers, registry and promotion serve it.
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

    /// <summary>A text's features: its MiniLM sentence embedding (<see cref="SentenceEmbedder"/>).</summary>
    public static float[] Features(string text) => SentenceEmbedder.Default.Embed(text);

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
                examples.Add(new LabelledExample(Features(text), label, Source: $"{name}:{line}"));
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
