using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using FFMpegCore.Pipes;

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
/// Streams any input's first audio stream as 16 kHz mono PCM16 from ffmpeg through a pipe (FFMpegCore, no temporary
/// file). Memory stays flat: a few chunks in flight, however long the file. Cancelling, or stopping early, kills ffmpeg.
/// FFMpegCore does not notice truncation (a cut-off file decodes "successfully" up to where it ends), so the decoded
/// length is compared with the probed duration and ffmpeg's complaints are read.
/// </summary>
public static class AudioDecoder
{
    /// <summary>Decodes <paramref name="path"/> in chunks of <paramref name="chunkSamples"/> samples (the last may be shorter).</summary>
    public static async IAsyncEnumerable<AudioChunk> DecodeAsync(
        string path, int chunkSamples = 8000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSamples, 1);
        using var input = FfmpegInput.For(path);
        var info = MediaProbe.WithAudio(await MediaProbe.ProbeAsync(path, input, cancellationToken).ConfigureAwait(false));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunks = Channel.CreateBounded<short[]>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var sink = new StreamPipeSink((pipe, _) => PumpAsync(pipe, chunks.Writer, chunkSamples, stop.Token)) { Format = "s16le" };
        var run = FfmpegJob.RunAsync(
            input.Arguments()
                .OutputToPipe(sink, o => o.WithCustomArgument("-map 0:a:0 -vn -ac 1 -ar 16000 -acodec pcm_s16le")),
            path,
            stop.Token);
        _ = run.ContinueWith(_ => chunks.Writer.TryComplete(), TaskScheduler.Default);

        long position = 0;
        try
        {
            await foreach (var samples in chunks.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested(); // chunks already queued are not handed out after a cancel
                yield return new AudioChunk(position, samples);
                position += samples.Length;
            }
        }
        finally
        {
            if (!run.IsCompleted)
            {
                // Stopped early (cancelled, or the caller wants no more): a writer blocked on a full channel fails, ffmpeg is killed.
                chunks.Writer.TryComplete();
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await run.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException or IOException or FFMpegCore.Exceptions.FFMpegException)
                {
                }
            }
        }

        var (exitCode, errors) = await run.ConfigureAwait(false);
        Check(path, exitCode, errors, position / (double)AudioChunk.SampleRate, info.Duration);
    }

    /// <summary>
    /// ffmpeg's PCM into chunks. It ignores the token FFMpegCore passes: FFMpegCore cancels it the moment ffmpeg exits,
    /// while the last seconds of audio may still sit in the pipe (or the sink wait for room in the channel); honouring it
    /// lost the end of a recording whenever recognition was slower than decoding. It stops on the decode's own token only.
    /// </summary>
    private static async Task PumpAsync(Stream pipe, ChannelWriter<short[]> chunks, int chunkSamples, CancellationToken token)
    {
        var bytes = new byte[chunkSamples * 2];
        while (true)
        {
            var filled = await pipe.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, token).ConfigureAwait(false);

            // An odd trailing byte is half a sample: dropped.
            if (filled >= 2)
            {
                await chunks.WriteAsync(MemoryMarshal.Cast<byte, short>(bytes.AsSpan(0, filled - (filled % 2))).ToArray(), token).ConfigureAwait(false);
            }

            if (filled < bytes.Length)
            {
                return;
            }
        }
    }

    /// <summary>A decode that failed, or that ended well short of the probed duration while ffmpeg complained, is the input's fault, named.</summary>
    private static void Check(string path, int exitCode, IReadOnlyList<string> errors, double decoded, TimeSpan? expected)
    {
        if (exitCode != 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffmpeg could not decode '{path}': {Ffmpeg.Explain(errors)}");
        }

        if (errors.Count > 0 && expected is { } duration && decoded < duration.TotalSeconds * 0.9)
        {
            throw new MediaException(
                MediaErrorKind.InvalidInput,
                $"'{path}' is corrupt or truncated: decoded {decoded:0.0} s of {duration.TotalSeconds:0.0} s; ffmpeg said: {Ffmpeg.Explain(errors)}");
        }
    }
}
