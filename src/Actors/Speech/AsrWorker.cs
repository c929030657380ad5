using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Asr;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>
/// One ASR slot: recognises the segment its pool hands it (one at a time: the pool sends the next only after the
/// answer) off the actor's thread, and answers the pool with the result or with <see cref="SegmentRecognitionFailed"/>
/// — a request is always answered. With <c>speakerFeatures</c> the result carries the segment's voice as well (its
/// speaker windows, <see cref="SpeakerVoices"/>: MFCC statistics, or the node's speaker-embedding model's vectors),
/// measured here where the audio is, for the job's diarization; a model that fails fails the segment, saying so.
/// </summary>
internal sealed class AsrWorker : ReceiveActor
{
    public AsrWorker(NodeEngines engines, AsrMetrics metrics, bool speakerFeatures)
    {
        var node = Telemetry.NodeOf(Context.System);
        Receive<SpeechAudio>(audio => RecognizeAsync(engines, metrics, audio, speakerFeatures, node).PipeTo(Sender, Self, failure: ex => Failed(audio, ex.Message)));
    }

    public static Props Props(NodeEngines engines, AsrMetrics metrics, bool speakerFeatures) => Akka.Actor.Props.Create(() => new AsrWorker(engines, metrics, speakerFeatures));

    private static async Task<object> RecognizeAsync(NodeEngines engines, AsrMetrics metrics, SpeechAudio audio, bool speakerFeatures, string node)
    {
        var taken = DateTimeOffset.UtcNow;
        var rate = audio.SampleRate > 0 ? audio.SampleRate : 16_000;
        if (rate != 16_000)
        {
            return Failed(audio, $"the recognizer takes 16000 Hz audio, this segment is {rate} Hz");
        }

        var samples = MemoryMarshal.Cast<byte, short>(audio.Pcm.Span).ToArray();
        Recognition result;
        TimeSpan took;
        SpeakerWindows? voice;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var use = engines.Use();
            result = await engines.Recognizer.RecognizeAsync(samples);
            took = Stopwatch.GetElapsedTime(started);
            voice = speakerFeatures ? SpeakerVoices.Measure(samples, engines.SpeakerModel) : null;
        }
        catch (Exception ex) when (ex is Media.MediaException or InvalidOperationException)
        {
            return Failed(audio, ex.Message);
        }

        metrics.Recognized(samples.Length / (double)rate, took);
        var start = TimeSpan.FromSeconds(audio.StartSample / (double)rate);
        var transcribed = new SegmentTranscribed
        {
            Index = audio.Index,
            StartSeconds = start.TotalSeconds,
            EndSeconds = audio.EndSample / (double)rate,
            Text = result.Text,
            Confidence = result.MeanWordConfidence,
            Engine = engines.Recognizer.Engine,
            Model = engines.Recognizer.Model,
            SpeakerWindows = voice,
        };
        transcribed.Words.AddRange(result.WordsShiftedBy(start).Select(w => new Messages.Jobs.RecognizedWord
        {
            Text = w.Text,
            StartSeconds = w.Start.TotalSeconds,
            EndSeconds = w.End.TotalSeconds,
            Confidence = w.Confidence,
        }));
        // Its wait in the queue (the queue's node stamped it: clocks of two nodes, so never below zero) and its work.
        var queued = audio.QueuedUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(audio.QueuedUnixMs) : taken;
        queued = queued > taken ? taken : queued;
        var done = DateTimeOffset.UtcNow;
        (string, object?)[] tags = [("mediacluster.job_id", audio.JobId), ("mediacluster.segment", audio.Index), ("mediacluster.node", node)];
        Telemetry.Record("segment.queue", audio.TraceParent, queued, taken, tags);
        Telemetry.Record("segment.recognize", audio.TraceParent, taken, done, tags);
        return new SegmentRecognized { JobId = audio.JobId, Result = transcribed, Node = node, QueueSeconds = (taken - queued).TotalSeconds, WorkSeconds = (done - taken).TotalSeconds };
    }

    private static SegmentRecognitionFailed Failed(SpeechAudio audio, string reason) => new() { JobId = audio.JobId, Index = audio.Index, Reason = reason };
}
