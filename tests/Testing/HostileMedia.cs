using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace MediaCluster.Testing;

/// <summary>
/// Inputs crafted to hurt whatever reads them, made here from a few bytes (nothing downloaded or committed).
/// </summary>
public static class HostileMedia
{
    /// <summary>
    /// A Matroska file of four PNG frames whose <c>tEXt</c> comment reads <c>x pts_time:oops</c>: ffmpeg's
    /// <c>metadata=print</c> echoes it between the lines a scene detector parses. About 1 KB.
    /// </summary>
    public static async Task<string> PoisonCommentMkvAsync(string directory, string name = "poison.mkv")
    {
        var frames = Directory.CreateDirectory(Path.Combine(directory, Path.GetFileNameWithoutExtension(name) + "-frames")).FullName;
        for (var i = 1; i <= 4; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(frames, $"f{i}.png"), Png(16, 16, (byte)(i * 80 % 256), "Comment", "x pts_time:oops"));
        }

        var path = Path.Combine(directory, name);
        await FfmpegAsync("-framerate", "2", "-i", Path.Combine(frames, "f%d.png"), "-c:v", "copy", path);
        Directory.Delete(frames, recursive: true);
        return path;
    }

    /// <summary>
    /// A PNG whose header says <paramref name="width"/> × <paramref name="height"/> (32000 × 32000 is 3 GB of pixels once
    /// decoded) with the first rows' data only: a few hundred bytes that a decoder would size its buffers from.
    /// </summary>
    public static byte[] HugePng(int width = 32000, int height = 32000) => Png(width, height, 0, "Comment", "huge", rowsGiven: 2);

    /// <summary>An RGB PNG of one colour, with one <c>tEXt</c> chunk (<paramref name="key"/>, <paramref name="text"/>).</summary>
    public static byte[] Png(int width, int height, byte shade, string key, string text, int? rowsGiven = null)
    {
        var rowCount = Math.Min(height, rowsGiven ?? height);
        var rows = new byte[rowCount * (1 + 3 * width)];
        for (var y = 0; y < rowCount; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = y * (1 + 3 * width) + 1 + 3 * x;
                (rows[at], rows[at + 1], rows[at + 2]) = (shade, (byte)(255 - shade), 128);
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(rows);
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        (header[8], header[9]) = (8, 2); // 8 bits, truecolour
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        Chunk(png, "tEXt", [.. Encoding.Latin1.GetBytes(key), 0, .. Encoding.Latin1.GetBytes(text)]);
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        png.Write(word);
    }

    /// <summary>PNG's CRC-32 (ISO 3309, reflected, polynomial 0xEDB88320).</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static async Task FfmpegAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-nostdin", "-loglevel", "error", "-y" }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} failed: {errors}");
        }
    }
}
