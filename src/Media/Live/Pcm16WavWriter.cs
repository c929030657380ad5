using System.Text;

namespace MediaCluster.Media.Live;

/// <summary>
/// Writes a 16 kHz mono PCM16 WAV as audio arrives (a live session's recording); <see cref="Complete"/> writes the final
/// lengths into the header. A file never completed still has a header that ffmpeg reads (lengths 0: up to the end).
/// </summary>
public sealed class Pcm16WavWriter : IDisposable
{
    private readonly FileStream _file;
    private long _samples;

    /// <summary>Creates (or replaces) <paramref name="path"/>.</summary>
    public Pcm16WavWriter(string path)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        WriteHeader(_file, 0);
    }

    /// <summary>Samples written so far.</summary>
    public long Samples => _samples;

    public void Write(ReadOnlySpan<short> samples)
    {
        _file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples));
        _samples += samples.Length;
    }

    /// <summary>Writes the lengths into the header and flushes.</summary>
    public void Complete()
    {
        _file.Position = 0;
        WriteHeader(_file, _samples);
        _file.Seek(0, SeekOrigin.End);
        _file.Flush(flushToDisk: true);
    }

    public void Dispose() => _file.Dispose();

    /// <summary>The 44-byte header of a 16 kHz mono 16-bit WAV holding <paramref name="samples"/> samples.</summary>
    public static void WriteHeader(Stream stream, long samples)
    {
        var dataBytes = (uint)(samples * 2);
        using var writer = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true);
        writer.Write("RIFF"u8);
        writer.Write(36 + dataBytes);
        writer.Write("WAVEfmt "u8);
        writer.Write(16u);
        writer.Write((ushort)1);
        writer.Write((ushort)1);
        writer.Write(16000u);
        writer.Write(32000u);
        writer.Write((ushort)2);
        writer.Write((ushort)16);
        writer.Write("data"u8);
        writer.Write(dataBytes);
    }
}
