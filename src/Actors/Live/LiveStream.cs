using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Event;
using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Live;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Live;

/// <summary>
/// A gpu node's side of one live session: a <see cref="LiveTranscriber"/> (VAD, then the recogniser's streaming form)
/// over the session's audio, one <see cref="LiveAudio"/> at a time off the actor's thread, each answered with
/// <see cref="LiveAudioProcessed"/>; <see cref="EndLiveStream"/> flushes the open utterance and stops. It watches its
/// session: a session that is gone (its node too) stops it, which frees the recogniser.
/// </summary>
internal sealed class LiveStream : ReceiveActor
{
    private readonly NodeEngines _engines;
    private readonly LiveMetrics _metrics;
    private readonly IActorRef _session;
    private readonly LiveTranscriber _transcriber;
    private readonly Queue<object> _waiting = new();
    private Task? _current;
    private readonly StartLiveStream _start;

    /// <summary>The stream's span, from its start to its end, in the session's trace.</summary>
    private System.Diagnostics.Activity? _span;

    public LiveStream(NodeEngines engines, LiveMetrics metrics, LiveOptions options, IActorRef session, StartLiveStream start)
    {
        _engines = engines;
        _metrics = metrics;
        _session = session;
        _start = start;
        _transcriber = new LiveTranscriber(
            engines.Vad,
            engines.LiveRecognizer,
            options with { Hints = new Media.Asr.RecognitionHints([.. start.Phrases], start.MaxAlternatives) },
            start.StartSample);
        Receive<LiveAudio>(Enqueue);
        Receive<EndLiveStream>(Enqueue);
        Receive<LiveAudioProcessed>(processed =>
        {
            _current = null;
            _session.Tell(processed);
            if (processed.Ended)
            {
                Context.Stop(Self);
                return;
            }

            Next();
        });
        Receive<Status.Failure>(failure =>
        {
            // The recogniser failed: the session takes another stream from the audio it kept.
            _current = null;
            Context.GetLogger().Warning("Live stream of session {0} failed: {1}", start.SessionId, failure.Cause.Message);
            Context.Stop(Self);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_session), _ => Context.Stop(Self));
        _session.Tell(new LiveStreamStarted { SessionId = start.SessionId, Attempt = start.Attempt });
    }

    public static Props Props(NodeEngines engines, LiveMetrics metrics, LiveOptions options, IActorRef session, StartLiveStream start) =>
        Akka.Actor.Props.Create(() => new LiveStream(engines, metrics, options, session, start));

    protected override void PreStart()
    {
        _span = Hosting.Telemetry.Start("live.stream", _start.TraceParent);
        _span?.SetTag("mediacluster.job_id", _start.SessionId);
        _span?.SetTag("mediacluster.node", Hosting.Telemetry.NodeOf(Context.System));
        _metrics.StreamOpened();
        Context.Watch(_session);
    }

    protected override void PostStop()
    {
        _span?.Dispose();
        _metrics.StreamClosed();
        // A call still inside the transcriber keeps it until it returns.
        if (_current is { } running)
        {
            running.ContinueWith(_ => _transcriber.Dispose(), TaskScheduler.Default);
        }
        else
        {
            _transcriber.Dispose();
        }
    }

    private void Enqueue(object message)
    {
        _waiting.Enqueue(message);
        Next();
    }

    private void Next()
    {
        if (_current is not null || !_waiting.TryDequeue(out var message))
        {
            return;
        }

        var processing = ProcessAsync(message);
        _current = processing;
        processing.PipeTo(Self);
    }

    private async Task<LiveAudioProcessed> ProcessAsync(object message)
    {
        using var use = _engines.Use();
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<LiveResult> results;
        LiveAudioProcessed processed;
        if (message is LiveAudio audio)
        {
            var samples = MemoryMarshal.Cast<byte, short>(audio.Pcm.Span).ToArray();
            if (audio.StartSample != _transcriber.Position)
            {
                throw new InvalidOperationException($"audio from sample {audio.StartSample} arrived at position {_transcriber.Position}");
            }

            results = await Task.Run(() => _transcriber.AcceptAsync(samples)).ConfigureAwait(false);
            _metrics.Processed(samples.Length / 16000.0, Stopwatch.GetElapsedTime(started));
            processed = new LiveAudioProcessed { Seq = audio.Seq };
        }
        else
        {
            results = _transcriber.Flush();
            processed = new LiveAudioProcessed { Seq = -1, Ended = true };
        }

        processed.KeepFrom = _transcriber.KeepFrom;
        processed.Updates.AddRange(results.Select(Update));
        return processed;
    }

    private static LiveUpdate Update(LiveResult result) => result switch
    {
        LivePartial partial => new LiveUpdate { Text = partial.Text },
        LiveFinal final => Final(final),
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, "unknown live result"),
    };

    private static LiveUpdate Final(LiveFinal final)
    {
        var update = new LiveUpdate
        {
            Final = true,
            Text = final.Recognition.Text,
            StartSample = final.StartSample,
            EndSample = final.EndSample,
            Confidence = final.Recognition.MeanWordConfidence,
            SpeakerWindows = Speech.SpeakerVoices.ToMessage(final.Voice),
        };
        update.Words.AddRange(final.Recognition.Words.Select(Word));
        foreach (var alternative in final.Recognition.Alternatives ?? [])
        {
            var message = new LiveAlternative { Text = alternative.Text, Confidence = alternative.Confidence };
            message.Words.AddRange(alternative.Words.Select(Word));
            update.Alternatives.Add(message);
        }

        return update;
    }

    private static RecognizedWord Word(Media.Asr.RecognizedWord w) => new()
    {
        Text = w.Text,
        StartSeconds = w.Start.TotalSeconds,
        EndSeconds = w.End.TotalSeconds,
        Confidence = w.Confidence,
    };
}

/// <summary>
/// A gpu node's live streams (<c>/user/live-streams</c>): opens a <see cref="LiveStream"/> for each
/// <see cref="StartLiveStream"/> while fewer than <see cref="LiveLimits.MaxStreams"/> run, else refuses saying why.
/// </summary>
internal sealed class LiveStreams : ReceiveActor
{
    public const string Name = "live-streams";

    public LiveStreams(NodeEngines engines, LiveMetrics metrics, LiveLimits limits) =>
        Receive<StartLiveStream>(start =>
        {
            if (Context.GetChildren().Count() >= limits.MaxStreams)
            {
                Sender.Tell(new LiveStreamRefused
                {
                    SessionId = start.SessionId,
                    Attempt = start.Attempt,
                    Reason = $"{Context.Self.Path.Address} already runs {limits.MaxStreams} live streams (Node:Live:MaxStreams)",
                });
                return;
            }

            Context.ActorOf(LiveStream.Props(engines, metrics, limits.Utterances, Sender, start));
        });

    public static Props Props(NodeEngines engines, LiveMetrics metrics, LiveLimits limits) =>
        Akka.Actor.Props.Create(() => new LiveStreams(engines, metrics, limits));
}
