using System.Buffers.Binary;
using System.Text;

namespace MediaCluster.Media.Learning;

/// <summary>
/// What a dataset may hold, checked while it is read (a data file's size before a byte of it is parsed, a picture's
/// size from its header before it is decoded): a dataset is untrusted input, and the trainer that reads it a singleton.
/// Each refusal names the file, what it holds, the limit and the setting that raises it.
/// </summary>
public sealed record DatasetLimits
{
    public static DatasetLimits Default { get; } = new();

    /// <summary>Bytes of one data file (a labels CSV, a MovieShots JSON, a text CSV): Node:Training:MaxDataFileBytes.</summary>
    public long MaxDataFileBytes { get; init; } = 256L << 20;

    /// <summary>Examples in one dataset: Node:Training:MaxExamples.</summary>
    public int MaxExamples { get; init; } = 1_000_000;

    /// <summary>Distinct labels in one dataset: Node:Training:MaxLabels.</summary>
    public int MaxLabels { get; init; } = 1_000;

    /// <summary>Pixels of one dataset picture (width × height): Node:Training:MaxPicturePixels.</summary>
    public long MaxPicturePixels { get; init; } = 40_000_000;

    /// <summary>The text of a data file, refused when larger than <see cref="MaxDataFileBytes"/> (checked before reading, and while reading: a file may grow).</summary>
    public string ReadText(string path) => Encoding.UTF8.GetString(ReadBytes(path));

    /// <summary>The bytes of a data file, within <see cref="MaxDataFileBytes"/>.</summary>
    public byte[] ReadBytes(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (stream.Length > MaxDataFileBytes)
        {
            throw TooLarge(path, stream.Length);
        }

        var bytes = new byte[stream.Length];
        var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (stream.ReadByte() >= 0)
        {
            throw TooLarge(path, stream.Length);
        }

        return read == bytes.Length ? bytes : bytes[..read];
    }

    /// <summary>Refuses the <paramref name="count"/>-th example of <paramref name="file"/> when it is one over <see cref="MaxExamples"/>.</summary>
    public void CheckExamples(string file, int count)
    {
        if (count > MaxExamples)
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"{Path.GetFileName(file)} holds more than {MaxExamples} examples, the limit for a dataset (Node:Training:MaxExamples)");
        }
    }

    /// <summary>Refuses a dataset whose distinct <paramref name="labels"/> are more than <see cref="MaxLabels"/>.</summary>
    public void CheckLabels(string file, IReadOnlySet<string> labels)
    {
        if (labels.Count > MaxLabels)
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"{Path.GetFileName(file)} holds more than {MaxLabels} distinct labels, the limit for a dataset (Node:Training:MaxLabels)");
        }
    }

    /// <summary>Refuses a picture whose header gives more than <see cref="MaxPicturePixels"/>, or no size at all, before it is decoded.</summary>
    public void CheckPicture(string path)
    {
        if (PictureSize.Read(path) is not var (width, height))
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{Path.GetFileName(path)}' is not a PNG, JPEG, BMP or WebP picture whose size its header gives");
        }

        if ((long)width * height > MaxPicturePixels)
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"'{Path.GetFileName(path)}' is {width}×{height} pixels, over the limit of {MaxPicturePixels} pixels for a dataset picture (Node:Training:MaxPicturePixels)");
        }
    }

    private MediaException TooLarge(string path, long length) => new(
        MediaErrorKind.InvalidInput,
        $"{Path.GetFileName(path)} is {length} bytes, over the limit of {MaxDataFileBytes} bytes for a dataset file (Node:Training:MaxDataFileBytes)");
}

/// <summary>A picture's width and height from its header (PNG, JPEG, BMP, WebP), without decoding it.</summary>
public static class PictureSize
{
    private const int HeaderBytes = 64 * 1024;

    private static readonly string[] s_extensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    /// <summary>The file is named as a picture (what the shot-scale task reads as one rather than as a clip).</summary>
    public static bool IsPicture(string path) => s_extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The size the header states, or null when the file is none of those formats (or its header is cut short).</summary>
    public static (int Width, int Height)? Read(string path)
    {
        var header = new byte[HeaderBytes];
        int length;
        using (var stream = File.OpenRead(path))
        {
            length = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        var bytes = header.AsSpan(0, length);
        return bytes switch
        {
            [0x89, (byte)'P', (byte)'N', (byte)'G', ..] when bytes.Length >= 24 =>
                Positive(BinaryPrimitives.ReadInt32BigEndian(bytes[16..]), BinaryPrimitives.ReadInt32BigEndian(bytes[20..])),
            [(byte)'B', (byte)'M', ..] when bytes.Length >= 26 =>
                Positive(BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]), Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(bytes[22..]))),
            [0xFF, 0xD8, ..] => Jpeg(bytes),
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => WebP(bytes),
            _ => null,
        };
    }

    /// <summary>The first start-of-frame marker's size (markers walked by their lengths).</summary>
    private static (int, int)? Jpeg(ReadOnlySpan<byte> bytes)
    {
        var at = 2;
        while (at + 9 < bytes.Length && bytes[at] == 0xFF)
        {
            var marker = bytes[at + 1];
            var segment = BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return Positive(BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(at + 5)..]));
            }

            at += 2 + segment;
        }

        return null;
    }

    private static (int, int)? WebP(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 30)
        {
            return null;
        }

        var chunk = Encoding.ASCII.GetString(bytes[12..16]);
        return chunk switch
        {
            "VP8 " => Positive(BinaryPrimitives.ReadUInt16LittleEndian(bytes[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]) & 0x3FFF),
            "VP8L" => Positive(1 + ((bytes[21] | (bytes[22] << 8)) & 0x3FFF), 1 + (((bytes[22] >> 6) | (bytes[23] << 2) | (bytes[24] << 10)) & 0x3FFF)),
            "VP8X" => Positive(1 + (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16)), 1 + (bytes[27] | (bytes[28] << 8) | (bytes[29] << 16))),
            _ => null,
        };
    }

    private static (int, int)? Positive(int width, int height) => width > 0 && height > 0 ? (width, height) : null;
}
