using System.Runtime.CompilerServices;
using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Vad;

/// <summary>
/// Streams decoded audio through a <see cref="SpeechFinder"/>: segments (with their audio) come out while audio is
/// still coming in, and memory stays flat in the input's length.
/// </summary>
public sealed class VoiceActivityDetector(SileroVad model, VadOptions? options = null)
{
    /// <summary>Detects speech in <paramref name="audio"/>; <paramref name="withAudio"/> keeps each segment's samples.</summary>
    public async IAsyncEnumerable<SpeechSegment> DetectAsync(
        IAsyncEnumerable<AudioChunk> audio, bool withAudio = true, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var finder = new SpeechFinder(model, options);
        await foreach (var chunk in audio.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var segment in finder.Push(chunk.Samples))
            {
                yield return withAudio ? segment : segment with { Samples = null };
            }
        }

        foreach (var segment in finder.Flush())
        {
            yield return withAudio ? segment : segment with { Samples = null };
        }
    }
}
