using MediaCluster.Media.Asr;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media;

/// <summary>Progress of one transcription: audio decoded so far and segments found and recognised.</summary>
public sealed record TranscriptionProgress(TimeSpan AudioDecoded, TimeSpan? Duration, int SegmentsFound, int SegmentsRecognized);

/// <summary>The outcome: the probed input, the transcript, and the speech regions.</summary>
public sealed record TranscriptionResult(MediaInfo Media, Transcript Transcript, IReadOnlyList<SpeechSegment> Speech);

/// <summary>
/// decode → VAD → recognition for one file without actors: segments are recognised while decoding goes on,
/// spread over every engine of the recognizer, with a bounded number of segments (and their audio) in flight.
/// </summary>
public sealed class Transcriber(SileroVad vad, ISpeechRecognizer recognizer, VadOptions? options = null)
{
    private readonly VoiceActivityDetector _detector = new(vad, options);

    /// <summary>Transcribes <paramref name="path"/>; errors name the file and the cause.</summary>
    public async Task<TranscriptionResult> TranscribeAsync(
        string path, IProgress<TranscriptionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var media = await MediaProbe.ProbeAudioAsync(path, cancellationToken).ConfigureAwait(false);
        using var inFlight = new SemaphoreSlim(recognizer.Concurrency * 2);
        var pending = new List<Task<TranscriptSegment>>();
        var speech = new List<SpeechSegment>();
        var recognized = 0;
        var decoded = 0L;
        var audio = Track(AudioDecoder.DecodeAsync(path, cancellationToken: cancellationToken), samples =>
        {
            decoded = samples;
            progress?.Report(new TranscriptionProgress(TimeSpan.FromSeconds(samples / 16000.0), media.Duration, speech.Count, Volatile.Read(ref recognized)));
        });
        try
        {
            await foreach (var segment in _detector.DetectAsync(audio, withAudio: true, cancellationToken).ConfigureAwait(false))
            {
                await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
                speech.Add(segment with { Samples = null });
                pending.Add(RecognizeAsync(segment, inFlight, () => Interlocked.Increment(ref recognized), cancellationToken));
            }

            var segments = await Task.WhenAll(pending).ConfigureAwait(false);
            progress?.Report(new TranscriptionProgress(TimeSpan.FromSeconds(decoded / 16000.0), media.Duration, speech.Count, recognized));
            var duration = media.Duration ?? TimeSpan.FromSeconds(decoded / 16000.0);
            var transcript = new Transcript(Path.GetFileName(path), duration, recognizer.Engine, recognizer.Model, segments);
            return new TranscriptionResult(media, transcript, speech);
        }
        catch
        {
            await Task.WhenAll(pending.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<TranscriptSegment> RecognizeAsync(SpeechSegment segment, SemaphoreSlim inFlight, Func<int> done, CancellationToken cancellationToken)
    {
        try
        {
            var result = await recognizer.RecognizeAsync(segment.Samples, cancellationToken).ConfigureAwait(false);
            done();
            return new TranscriptSegment(
                segment.Index, segment.Start, segment.End, result.Text, result.MeanWordConfidence, result.WordsShiftedBy(segment.Start));
        }
        finally
        {
            inFlight.Release();
        }
    }

    private static async IAsyncEnumerable<AudioChunk> Track(IAsyncEnumerable<AudioChunk> chunks, Action<long> decodedSamples)
    {
        await foreach (var chunk in chunks.ConfigureAwait(false))
        {
            yield return chunk;
            decodedSamples(chunk.StartSample + chunk.Samples.Length);
        }
    }
}
