using MediaCluster.Media.Learning;
using MediaCluster.Testing;

namespace MediaCluster.Media.Tests;

/// <summary>
/// A dataset is untrusted: its labels.csv is read through CsvHelper with each error naming the line, and its sizes are
/// checked while it is read, each refusal naming the file, what it holds and the setting.
/// </summary>
public sealed class DatasetLimitsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-limits-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    [InlineData("bmp")]
    [InlineData("webp")]
    public async Task PictureSize_OfEachFormat_IsReadFromItsHeader(string extension)
    {
        var path = Path.Combine(_directory, "picture." + extension);
        await Ffmpeg.FfmpegRunner.RunAsync(["-f", "lavfi", "-i", "testsrc=size=123x45:duration=1", "-frames:v", "1", path]);
        Assert.Equal((123, 45), PictureSize.Read(path));
    }

    [Fact]
    public void CheckPicture_AHeaderOf32000By32000_IsRefusedBeforeDecoding()
    {
        var path = Path.Combine(_directory, "huge.png");
        File.WriteAllBytes(path, HostileMedia.HugePng());
        var error = Assert.Throws<MediaException>(() => DatasetLimits.Default.CheckPicture(path));
        Assert.Equal(
            "'huge.png' is 32000×32000 pixels, over the limit of 40000000 pixels for a dataset picture (Node:Training:MaxPicturePixels)",
            error.Message);

        File.WriteAllText(Path.Combine(_directory, "notes.png"), "not a picture");
        Assert.Equal(
            "'notes.png' is not a PNG, JPEG, BMP or WebP picture whose size its header gives",
            Assert.Throws<MediaException>(() => DatasetLimits.Default.CheckPicture(Path.Combine(_directory, "notes.png"))).Message);
    }

    [Fact]
    public async Task TextDataset_ASparse2GiBFile_IsRefusedByItsSize_WithoutReadingIt()
    {
        var path = Path.Combine(_directory, "sparse.csv");
        await using (var file = File.Create(path))
        {
            file.SetLength(2L << 30);
        }

        var error = await Assert.ThrowsAsync<MediaException>(() => new TextTask().HashAsync([path]));
        Assert.Equal("sparse.csv is 2147483648 bytes, over the limit of 268435456 bytes for a dataset file (Node:Training:MaxDataFileBytes)", error.Message);
    }

    [Fact]
    public async Task TextDataset_50000DistinctLabels_IsRefusedAtTheFirstLabelOverTheLimit()
    {
        var path = Path.Combine(_directory, "labels.csv");
        await File.WriteAllLinesAsync(path, ["text,label", .. Enumerable.Range(0, 50_000).Select(i => $"words number {i},label{i}")]);
        var error = await Assert.ThrowsAsync<MediaException>(() => new TextTask().HashAsync([path]));
        Assert.Equal("labels.csv holds more than 1000 distinct labels, the limit for a dataset (Node:Training:MaxLabels)", error.Message);

        var fewer = new TextTask { Limits = DatasetLimits.Default with { MaxExamples = 10 } };
        Assert.Equal(
            "labels.csv holds more than 10 examples, the limit for a dataset (Node:Training:MaxExamples)",
            (await Assert.ThrowsAsync<MediaException>(() => fewer.ExamplesAsync([path]))).Message);
    }

    [Fact]
    public async Task ShotDataset_AHugePictureItLists_IsRefusedWhenItIsHashed()
    {
        await File.WriteAllBytesAsync(Path.Combine(_directory, "huge.png"), HostileMedia.HugePng());
        var csv = Path.Combine(_directory, "scale.csv");
        await File.WriteAllLinesAsync(csv, ["path,label", "huge.png,CS"]);
        var error = await Assert.ThrowsAsync<MediaException>(() => Datasets.HashAsync([csv], "scale"));
        Assert.StartsWith("'huge.png' is 32000×32000 pixels, over the limit", error.Message);
    }

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
