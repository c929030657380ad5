using MediaCluster.Media.Learning;

namespace MediaCluster.Media.Tests;

/// <summary>A dataset's labels.csv read through CsvHelper: quoting, the optional header and split, errors naming the line.</summary>
public sealed class DatasetsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-datasets-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Labels_QuotedPathsAndSplits_AreRead()
    {
        File.WriteAllText(Path.Combine(_directory, "a, b.png"), "x");
        File.WriteAllText(Path.Combine(_directory, "c.png"), "x");
        var csv = Write("Path,label,split\r\n\"a, b.png\", close-up ,TEST\r\n\r\nc.png,wide\r\n");

        var entries = Datasets.ReadLabels(csv);

        Assert.Equal(
            [(Path.Combine(_directory, "a, b.png"), "close-up", (DataSplit?)DataSplit.Test), (Path.Combine(_directory, "c.png"), "wide", null)],
            entries.Select(e => (e.Path, e.Label, e.Split)));
    }

    [Theory]
    [InlineData("path,label\nc.png\n", "labels.csv line 2: expected path,label[,split], got 'c.png'")]
    [InlineData("path,label\n\nc.png,wide,1\n", "labels.csv line 3: split '1' is not train, validation or test")]
    [InlineData("path,label\n../c.png,wide\n", "labels.csv line 2: '../c.png' is outside the dataset's folder")]
    [InlineData("path,label\nc.png,wide\n\"d.png,wide\n", "labels.csv line 3: a quoted text is never closed")]
    [InlineData("path,label\nc\"d.png,wide\n", "labels.csv line 2: a quote inside a text that is not quoted (quote the whole text and double its quotes)")]
    [InlineData("path,label\n", "labels.csv lists no examples")]
    public void Labels_Malformed_NameTheLine(string content, string expected)
    {
        File.WriteAllText(Path.Combine(_directory, "c.png"), "x");
        var error = Assert.Throws<MediaException>(() => Datasets.ReadLabels(Write(content)));
        Assert.Equal(expected, error.Message);
    }

    private string Write(string content)
    {
        var csv = Path.Combine(_directory, "labels.csv");
        File.WriteAllText(csv, content);
        return csv;
    }
}
