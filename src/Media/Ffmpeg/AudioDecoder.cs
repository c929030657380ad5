using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>A run of decoded audio: 16 kHz mono PCM16 starting at <see cref="StartSample"/>.</summary>
public sealed record AudioChunk(long StartSample, short[] Samples)
{
    /// <summary>The sample rate of every chunk.</summary>
    public const int SampleRate = 16_000;

    /// <summary>Where the chunk starts.</summary>
    public TimeSpan Start => TimeSpan.FromSeconds(StartSample / (double)SampleRate);
}

/// <summary>
/// Streams any input's first audio stream as 16 kHz mono PCM16 through an ffmpeg pipe. Memory stays flat:
/// one chunk at a time, however long the file. Cancelling kills ffmpeg.
/// </summary>
public static class AudioDecoder
{
    /// <summary>Decodes <paramref name="path"/> in chunks of <paramref name="chunkSamples"/> samples (the last may be shorter).</summary>
    public static async IAsyncEnumerable<AudioChunk> DecodeAsync(
        string path, int chunkSamples = 8000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSamples, 1);
        var info = await MediaProbe.ProbeAudioAsync(path, cancellationToken).ConfigureAwait(false);
        var full = System.IO.Path.GetFullPath(path);
        await using var tool = FfmpegTool.Start(
            "ffmpeg",
            ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", MediaInput.ForFfmpeg(full),
             "-map", "0:a:0", "-vn", "-ac", "1", "-ar", "16000", "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"],
            cancellationToken);

        var bytes = new byte[chunkSamples * 2];
        var filled = 0;
        long position = 0;
        while (true)
        {
            var read = await tool.Output.ReadAsync(bytes.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
            if (filled == bytes.Length)
            {
                yield return new AudioChunk(position, MemoryMarshal.Cast<byte, short>(bytes).ToArray());
                position += chunkSamples;
                filled = 0;
            }
        }

        // An odd trailing byte is half a sample: dropped.
        if (filled >= 2)
        {
            var samples = MemoryMarshal.Cast<byte, short>(bytes.AsSpan(0, filled - (filled % 2))).ToArray();
            yield return new AudioChunk(position, samples);
            position += samples.Length;
        }

        var (exitCode, errors) = await tool.WaitAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (exitCode != 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffmpeg could not decode '{path}': {MediaInput.Explain(errors)}");
        }

        var decoded = position / (double)AudioChunk.SampleRate;
        if (errors.Length > 0 && info.Duration is { } expected && decoded < expected.TotalSeconds * 0.9)
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"'{path}' is corrupt or truncated: decoded {decoded:0.0} s of {expected.TotalSeconds:0.0} s; ffmpeg said: {MediaInput.Explain(errors)}");
        }
    }
}
