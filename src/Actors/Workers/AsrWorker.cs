using System.Diagnostics;
using System.Runtime.InteropServices;
using MediaCluster.Media.Asr;
using MediaCluster.Messages.Jobs;
using MediaCluster.Runtime;

namespace MediaCluster.Actors.Workers;

/// <summary>A recognition failed; the job decides whether to retry.</summary>
internal sealed record SegmentRecognitionFailed(string JobId, int Index, string Reason);

/// <summary>
/// One ASR slot: recognises one segment at a time (the async handler holds the mailbox) and replies with
/// the result, or with <see cref="SegmentRecognitionFailed"/> — a request is always answered.
/// </summary>
internal sealed class AsrWorker : ActorBase
{
    public AsrWorker(ISpeechRecognizer recognizer, AsrMetrics metrics)
    {
        ReceiveAsync<SpeechAudio>(async audio =>
        {
            var samples = MemoryMarshal.Cast<byte, short>(audio.Pcm.Span).ToArray();
            Recognition result;
            var started = Stopwatch.GetTimestamp();
            try
            {
                result = await recognizer.RecognizeAsync(samples);
            }
            catch (Exception ex) when (ex is Media.MediaException or InvalidOperationException)
            {
                Sender.Tell(new SegmentRecognitionFailed(audio.JobId, audio.Index, ex.Message), Self);
                return;
            }

            metrics.Recognized(samples.Length / 16000.0, Stopwatch.GetElapsedTime(started));
            var start = TimeSpan.FromSeconds(audio.StartSample / 16000.0);
            var transcribed = new SegmentTranscribed
            {
                Index = audio.Index,
                StartSeconds = start.TotalSeconds,
                EndSeconds = audio.EndSample / 16000.0,
                Text = result.Text,
                Confidence = result.MeanWordConfidence,
            };
            transcribed.Words.AddRange(result.WordsShiftedBy(start).Select(w => new Messages.Jobs.RecognizedWord
            {
                Text = w.Text,
                StartSeconds = w.Start.TotalSeconds,
                EndSeconds = w.End.TotalSeconds,
                Confidence = w.Confidence,
            }));
            Sender.Tell(new SegmentRecognized { JobId = audio.JobId, Result = transcribed }, Self);
        });
    }
}
