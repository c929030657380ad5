using MediaCluster.Media.Learning;
using MediaCluster.Media.Samples;

namespace MediaCluster.Media.Tests;

public sealed class TextTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-text-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Text_TrainedOnOneSeed_ClassifiesAnother()
    {
        var task = new TextTask();
        var train = await task.ExamplesAsync([await TextSamples.WriteDatasetAsync(Path.Combine(_directory, "train"), perLabel: 150, seed: 1)]);
        var heldOut = await task.ExamplesAsync([await TextSamples.WriteDatasetAsync(Path.Combine(_directory, "held-out"), perLabel: 20, seed: 2)]);
        Assert.Equal(450, train.Count);
        var result = Training.Run(train, task.DefaultConfig);
        var metrics = ClassifierMetrics.Of(result.Classifier, heldOut, [.. TextSamples.Labels.Order(StringComparer.Ordinal)]);
        Assert.True(metrics.MacroF1 >= 0.9, $"text macro-F1 on held-out sentences {metrics.MacroF1:0.00}");
        Assert.Equal(TextSamples.Negative, result.Classifier.Predict(TextTask.Features("Honestly, the concert was awful and left everyone angry.")).Label);
    }

    [Fact]
    public void AFitCancelled_GivesNoModel()
    {
        var examples = Enumerable.Range(0, 60).Select(i => new LabelledExample([i % 3, i * 0.1f, 1], i % 3 == 0 ? "a" : "b", Source: $"#{i}")).ToList();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Training.Run(examples, new ClassifierConfig { Trainer = "lightgbm" }, cancel.Token));
        Assert.Equal(2, Training.Run(examples, new ClassifierConfig { Trainer = "lightgbm" }).Classifier.Labels.Count);
    }

    [Fact]
    public async Task TextCsv_QuotedCommasAndLineBreaks_ReadAsOneText()
    {
        var csv = Path.Combine(_directory, "quoted.csv");
        await File.WriteAllTextAsync(csv, "text,label\n\"Well, it was \"\"fine\"\",\nreally\",neutral\nplain text,positive\n");
        var examples = await new TextTask().ExamplesAsync([csv]);
        Assert.Equal(["neutral", "positive"], examples.Select(e => e.Label));
        Assert.Equal(TextTask.Features("Well, it was \"fine\",\nreally"), examples[0].Features);
        Assert.Equal(("quoted.csv:2", "quoted.csv:4"), (examples[0].Source, examples[1].Source));
    }

    [Theory]
    [InlineData("words,label\nhello,positive\n", "bad.csv: the first line must be the header 'text,label'")]
    [InlineData("text,label\nhello,positive,extra\n", "bad.csv line 2: expected text,label (quote a text that holds commas)")]
    [InlineData("text,label\n\"never closed,positive\n", "bad.csv line 2: a quoted text is never closed")]
    public async Task TextCsv_Malformed_NamesTheLine(string content, string expected)
    {
        var csv = Path.Combine(_directory, "bad.csv");
        await File.WriteAllTextAsync(csv, content);
        var error = await Assert.ThrowsAsync<MediaException>(() => new TextTask().ExamplesAsync([csv]));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Features_AreMiniLmEmbeddings_CaseBlind_UnitLength_AndCloseForTextsThatMeanAlike()
    {
        Assert.Equal(SentenceEmbedder.Dimensions, TextTask.Features("it was good").Length);
        Assert.Equal(TextTask.Features("It was GOOD."), TextTask.Features("it was good."));
        Assert.NotEqual(TextTask.Features("it was good"), TextTask.Features("it was not good"));
        Assert.Equal(1.0, Math.Sqrt(TextTask.Features("a b c a").Sum(v => v * v)), 5);
        Assert.Equal(1.0, Math.Sqrt(TextTask.Features("").Sum(v => v * v)), 5);

        static double Cosine(string a, string b) => TextTask.Features(a).Zip(TextTask.Features(b)).Sum(p => p.First * p.Second);
        var alike = Cosine("The film was wonderful.", "I really loved that movie.");
        var unlike = Cosine("The film was wonderful.", "The invoice is due on Monday.");
        Assert.True(alike > unlike + 0.3, $"alike {alike:0.000}, unlike {unlike:0.000}");
        var long_ = string.Join(' ', Enumerable.Repeat("word", 1000));
        Assert.Equal(SentenceEmbedder.Dimensions, TextTask.Features(long_).Length); // cut to 256 tokens, not refused
    }
}
