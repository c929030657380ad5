using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using OpenCvSharp;

namespace MediaCluster.Media.Learning;

/// <summary>
/// A task a user defines over pictures (<c>pbm model task add NAME --kind image</c>): an example is a grey picture scaled
/// to <see cref="Size"/>², its pixels in 0–1, row by row. A dataset is IDX pairs (MNIST's format, gzip or not:
/// <c>PREFIX-images-idx3-ubyte[.gz]</c> with <c>PREFIX-labels-idx1-ubyte[.gz]</c>; a pair whose prefix is <c>t10k</c> or
/// <c>test</c> is the test split) and/or labels CSVs of picture files (<c>path,label[,split]</c>). IDX labels are numbers:
/// the task's <see cref="Labels"/> name them in order (FashionMNIST's 0 is "T-shirt/top"); a task with no labels keeps the numbers.
/// </summary>
public sealed class ImageTask(string name, IReadOnlyList<string> labels, int size, ClassifierConfig config) : LearningTask
{
    public const string Kind = "image";

    /// <summary>The side of the square pictures the network sees (IDX pictures must have it; picture files are scaled to it).</summary>
    public int Size { get; } = size;

    public override string Name { get; } = name;

    public override IReadOnlyList<string> Labels { get; } = labels;

    public override ClassifierConfig DefaultConfig { get; } = config;

    /// <summary>[channels, height, width] of the network's input.</summary>
    public IReadOnlyList<int> Input => [1, Size, Size];

    public override IReadOnlyList<string> DataPatterns => ["*.csv", "*-ubyte", "*-ubyte.gz"];

    public override Task<IReadOnlyList<LabelledExample>> ExamplesAsync(IReadOnlyList<string> files, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var examples = new List<LabelledExample>();
        foreach (var (images, labelFile) in Pairs(files))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var split = Path.GetFileName(images).StartsWith("t10k", StringComparison.Ordinal) || Path.GetFileName(images).StartsWith("test", StringComparison.Ordinal) ? DataSplit.Test : (DataSplit?)null;
            var (pixels, count, rows, columns) = ReadImages(images);
            var numbers = ReadLabels(labelFile);
            if (numbers.Length != count)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(labelFile)} holds {numbers.Length} labels for the {count} pictures of {Path.GetFileName(images)}");
            }

            if (rows != Size || columns != Size)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(images)} holds {rows}×{columns} pictures; task {Name} takes {Size}×{Size}");
            }

            for (var i = 0; i < count; i++)
            {
                var features = new float[rows * columns];
                for (var p = 0; p < features.Length; p++)
                {
                    features[p] = pixels[i * features.Length + p] / 255f;
                }

                examples.Add(new LabelledExample(features, LabelOf(numbers[i], labelFile), split, $"{Path.GetFileName(images)}#{i}"));
                Limits.CheckExamples(images, examples.Count);
            }
        }

        var pictures = files.Where(f => f.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).SelectMany(csv => Datasets.ReadLabels(csv, limits: Limits)).ToList();
        Limits.CheckExamples(files[0], examples.Count + pictures.Count);
        for (var i = 0; i < pictures.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            examples.Add(new LabelledExample(PictureFeatures(pictures[i].Path), pictures[i].Label, pictures[i].Split, pictures[i].Path));
            progress?.Report((i + 1) / (double)pictures.Count);
        }

        Limits.CheckLabels(files[0], examples.Select(e => e.Label).ToHashSet(StringComparer.Ordinal));
        return Task.FromResult<IReadOnlyList<LabelledExample>>(examples);
    }

    public override async Task<string> HashAsync(IReadOnlyList<string> files, CancellationToken cancellationToken = default)
    {
        // Every file is read within the limits as it is hashed (an IDX file's header too), so a dataset the trainer
        // cannot take is refused before it is queued.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var pairs = Pairs(files);
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash.AppendData(Limits.ReadBytes(file));
            if (file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                foreach (var entry in Datasets.ReadLabels(file, limits: Limits))
                {
                    Limits.CheckPicture(entry.Path);
                    await using var picture = File.OpenRead(entry.Path);
                    hash.AppendData(await SHA256.HashDataAsync(picture, cancellationToken).ConfigureAwait(false));
                }
            }
        }

        foreach (var (images, labelFile) in pairs)
        {
            var (_, count, rows, columns) = ReadImages(images);
            if (rows != Size || columns != Size)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(images)} holds {rows}×{columns} pictures; task {Name} takes {Size}×{Size}");
            }

            var numbers = ReadLabels(labelFile);
            if (numbers.Length != count)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(labelFile)} holds {numbers.Length} labels for the {count} pictures of {Path.GetFileName(images)}");
            }

            foreach (var number in numbers.Distinct())
            {
                LabelOf(number, labelFile);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    /// <summary>The features of a picture file: grey, scaled to <see cref="Size"/>², 0–1 (its size checked from its header first).</summary>
    public float[] PictureFeatures(string path)
    {
        Limits.CheckPicture(path);
        using var grey = Cv2.ImRead(path, ImreadModes.Grayscale);
        if (grey.Empty())
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{Path.GetFileName(path)}' is not a picture OpenCV can read");
        }

        using var scaled = new Mat();
        Cv2.Resize(grey, scaled, new OpenCvSharp.Size(Size, Size), interpolation: InterpolationFlags.Area);
        var features = new float[Size * Size];
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                features[y * Size + x] = scaled.At<byte>(y, x) / 255f;
            }
        }

        return features;
    }

    private string LabelOf(byte number, string file) =>
        Labels.Count == 0 ? number.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : number < Labels.Count ? Labels[number]
        : throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(file)} holds label {number}; task {Name} names {Labels.Count} labels (0–{Labels.Count - 1})");

    /// <summary>The IDX pairs among <paramref name="files"/>: each images file with the labels file of its prefix.</summary>
    private static List<(string Images, string Labels)> Pairs(IReadOnlyList<string> files)
    {
        var pairs = new List<(string, string)>();
        foreach (var images in files.Where(f => Path.GetFileName(f).Contains("-images-idx3-ubyte", StringComparison.Ordinal)))
        {
            var name = Path.GetFileName(images);
            var labels = files.FirstOrDefault(f => Path.GetFileName(f) == name.Replace("-images-idx3-ubyte", "-labels-idx1-ubyte", StringComparison.Ordinal))
                ?? throw new MediaException(MediaErrorKind.InvalidInput, $"{name} has no labels file beside it ({name.Replace("-images-idx3-ubyte", "-labels-idx1-ubyte", StringComparison.Ordinal)})");
            pairs.Add((images, labels));
        }

        foreach (var labels in files.Where(f => Path.GetFileName(f).Contains("-labels-idx1-ubyte", StringComparison.Ordinal)))
        {
            if (!pairs.Any(p => p.Item2 == labels))
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(labels)} has no images file beside it");
            }
        }

        return pairs;
    }

    /// <summary>An IDX file's bytes, gunzipped when gzip (the unpacked size bounded like a data file's).</summary>
    private byte[] ReadIdx(string path)
    {
        var bytes = Limits.ReadBytes(path);
        if (bytes is not [0x1f, 0x8b, ..])
        {
            return bytes;
        }

        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var unpacked = new MemoryStream();
        var buffer = new byte[1 << 16];
        try
        {
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                unpacked.Write(buffer, 0, read);
                if (unpacked.Length > Limits.MaxDataFileBytes)
                {
                    throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(path)} unpacks to more than {Limits.MaxDataFileBytes} bytes, the limit for a data file (Node:Training:MaxDataFileBytes)");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(path)} is not valid gzip: {ex.Message}", ex);
        }

        return unpacked.ToArray();
    }

    private (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        var bytes = ReadIdx(path);
        var name = Path.GetFileName(path);
        if (bytes.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x0803)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"{name} is not an IDX file of pictures (unsigned bytes, three dimensions: magic 0x00000803)");
        }

        var (count, rows, columns) = (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12)));
        if (count < 0 || rows is < 1 or > 1024 || columns is < 1 or > 1024 || 16 + (long)count * rows * columns != bytes.Length)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"{name} says {count} pictures of {rows}×{columns} but holds {bytes.Length - 16} bytes of pixels");
        }

        return (bytes[16..], count, rows, columns);
    }

    private byte[] ReadLabels(string path)
    {
        var bytes = ReadIdx(path);
        var name = Path.GetFileName(path);
        if (bytes.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(bytes) != 0x0801)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"{name} is not an IDX file of labels (unsigned bytes, one dimension: magic 0x00000801)");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        return count >= 0 && 8L + count == bytes.Length
            ? bytes[8..]
            : throw new MediaException(MediaErrorKind.InvalidInput, $"{name} says {count} labels but holds {bytes.Length - 8}");
    }
}
