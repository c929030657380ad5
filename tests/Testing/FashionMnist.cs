using System.Buffers.Binary;
using System.IO.Compression;

namespace MediaCluster.Testing;

/// <summary>
/// The real FashionMNIST as Debian's dataset-fashion-mnist installs it (./mc setup), and subsets of it written as IDX
/// pairs for tests that must stay small.
/// </summary>
public static class FashionMnist
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The names of its ten classes, in the order of their numbers.</summary>
    public static IReadOnlyList<string> Labels { get; } = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Writes the first <paramref name="train"/> training pictures (plain IDX) and the first <paramref name="test"/> test
    /// pictures (gzip IDX, named t10k-*) into <paramref name="folder"/>; returns the test pictures' pixels and label numbers.
    /// </summary>
    public static (byte[][] Pictures, int[] Labels) WriteSubset(string folder, int train, int test)
    {
        Directory.CreateDirectory(folder);
        Copy("train", train, folder, gzip: false);
        return Copy("t10k", test, folder, gzip: true);
    }

    private static (byte[][] Pictures, int[] Labels) Copy(string prefix, int count, string folder, bool gzip)
    {
        var images = Unzip(Path.Combine(Folder, $"{prefix}-images-idx3-ubyte.gz"));
        var labels = Unzip(Path.Combine(Folder, $"{prefix}-labels-idx1-ubyte.gz"));
        var imagesOut = images[..(16 + count * 784)];
        BinaryPrimitives.WriteInt32BigEndian(imagesOut.AsSpan(4), count);
        var labelsOut = labels[..(8 + count)];
        BinaryPrimitives.WriteInt32BigEndian(labelsOut.AsSpan(4), count);
        var extension = gzip ? ".gz" : string.Empty;
        Write(Path.Combine(folder, $"{prefix}-images-idx3-ubyte{extension}"), imagesOut, gzip);
        Write(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte{extension}"), labelsOut, gzip);
        return (
            [.. Enumerable.Range(0, count).Select(i => imagesOut[(16 + i * 784)..(16 + (i + 1) * 784)])],
            [.. labelsOut[8..].Select(b => (int)b)]);
    }

    private static byte[] Unzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        return bytes.ToArray();
    }

    private static void Write(string path, byte[] bytes, bool gzip)
    {
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }

        using var file = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        file.Write(bytes);
    }
}
