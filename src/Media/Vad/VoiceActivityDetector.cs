using System.Runtime.CompilerServices;
using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Vad;

/// <summary>
/// Streams decoded audio through Silero VAD and the segmenter: segments (with their audio) come out while
/// audio is still coming in. Only the audio a future segment can still need is kept (≤ one max segment).
/// </summary>
public sealed class VoiceActivityDetector(SileroVad model, VadOptions? options = null)
{
    private readonly VadOptions _options = options ?? new VadOptions();

    /// <summary>Detects speech in <paramref name="audio"/>; <paramref name="withAudio"/> attaches each segment's samples.</summary>
    public async IAsyncEnumerable<SpeechSegment> DetectAsync(
        IAsyncEnumerable<AudioChunk> audio, bool withAudio = true, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var stream = model.CreateStream();
        var segmenter = new SpeechSegmenter(_options);
        var buffer = new short[SileroVad.WindowSamples * 64];
        var bufferStart = 0L;
        var bufferLength = 0;
        var nextWindow = 0L;
        var total = 0L;
        await foreach (var chunk in audio.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            Append(ref buffer, ref bufferLength, chunk.Samples);
            total += chunk.Samples.Length;
            while (nextWindow + SileroVad.WindowSamples <= total)
            {
                var offset = (int)(nextWindow - bufferStart);
                var probability = stream.Process(buffer.AsSpan(offset, SileroVad.WindowSamples));
                nextWindow += SileroVad.WindowSamples;
                foreach (var segment in segmenter.Push(probability))
                {
                    yield return withAudio ? Attach(segment, buffer, bufferStart) : segment;
                }
            }

            // Drop audio no segment can need any more.
            var keepFrom = Math.Min(segmenter.EarliestNeededSample, nextWindow);
            var drop = (int)(keepFrom - bufferStart);
            if (drop > 0)
            {
                Array.Copy(buffer, drop, buffer, 0, bufferLength - drop);
                bufferLength -= drop;
                bufferStart = keepFrom;
            }
        }

        foreach (var segment in segmenter.Flush(total))
        {
            yield return withAudio ? Attach(segment, buffer, bufferStart) : segment;
        }
    }

    private static SpeechSegment Attach(SpeechSegment segment, short[] buffer, long bufferStart)
    {
        var from = (int)(segment.StartSample - bufferStart);
        var length = (int)(segment.EndSample - segment.StartSample);
        return segment with { Samples = buffer.AsSpan(from, length).ToArray() };
    }

    private static void Append(ref short[] buffer, ref int length, short[] samples)
    {
        if (length + samples.Length > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + samples.Length));
        }

        samples.CopyTo(buffer, length);
        length += samples.Length;
    }
}
