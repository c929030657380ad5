using Akka.Actor;
using MediaCluster.Actors.Speech;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// Speech: the job asks its node's <see cref="VadQueue"/> for a VAD session, which a gpu node with a free slot opens;
/// an <see cref="AudioStreamer"/> child decodes the input and streams it there. The session may run
/// <c>SegmentsInFlight</c> segments ahead of what is recorded; the job records each span the session reports, asks
/// the session to have it recognised (its audio stays on the gpu node), records the result, and settles it. Failed
/// recognitions are retried after 1, 2 and 4 s. A session lost with its node restarts on another gpu node from the
/// latest checkpoint behind which every segment is recorded; recorded segments found again are settled at once.
/// </summary>
public sealed partial class MediaJob
{
    /// <summary>Sessions lost in a row (no segment recorded in between) before the job gives up.</summary>
    private const int MaxVadLosses = 4;

    private readonly HashSet<int> _inFlight = [];
    private readonly FailedAttempts _recognitionFailures = new();
    private readonly SortedDictionary<int, VadCheckpoint> _checkpoints = [];
    private IActorRef? _session;
    private IActorRef? _streamer;
    private bool _vadAsked;
    private int _vadLosses;

    /// <summary>
    /// Detection is to run: it has not finished, or it has but some segments' results were lost (their audio went with
    /// a restart or a gpu node) — then it runs again and only those segments are recognised.
    /// </summary>
    private bool NeedsDetection => _state.Probed?.NoAudio != true && (!_state.DetectionComplete || LostSegments().Any());

    /// <summary>Segments found whose result is neither recorded nor on its way.</summary>
    private IEnumerable<int> LostSegments() => _state.Found.Keys.Where(i => !_state.Transcribed.ContainsKey(i) && !_inFlight.Contains(i));

    private void DefineSpeech()
    {
        Command<VadSessionOpened>(_ => OnSessionOpened());
        Command<SpeechSegmentDetected>(OnSegment);
        Command<VadEnded>(OnVadEnded);
        Command<VadFailed>(failed => FromSession(() => EndWith(new JobFailed { Reason = failed.Reason, FailedUnixMs = Now() })));
        Command<SpeechDetectionFailed>(failed =>
        {
            if (Sender.Equals(_streamer))
            {
                EndWith(new JobFailed { Reason = failed.Reason, FailedUnixMs = Now() });
            }
        });
        Command<SegmentRecognized>(OnRecognized);
        Command<SegmentRecognitionFailed>(OnRecognitionFailed);
    }

    private void StartSpeechDetection()
    {
        if (_session is null && !_vadAsked)
        {
            _vadAsked = true;
            _services.Vad.Tell(new VadWanted { JobId = _jobId });
        }
    }

    private void OnSessionOpened()
    {
        var session = Sender;
        _services.Vad.Tell(VadTaken.Instance); // the request is answered, whether this session is kept or not
        _vadAsked = false;
        if (_session is not null || _state.IsTerminal || !NeedsDetection || _state.Spec is not { } spec)
        {
            session.Tell(new StopVad()); // a second one (a request given back twice), or no longer needed
            return;
        }

        _session = session;
        Context.Watch(session);

        // VAD is deterministic: from a checkpoint it finds what the first run found after it; recorded results are skipped.
        var resume = ResumePoint();
        var from = resume?.ToCheckpoint().AudioFrom(new Media.Vad.VadOptions()) ?? 0;
        _streamer = Context.ActorOf(AudioStreamer.Props(spec.InputPath, from, session), $"audio-{session.Path.Uid}");
        Context.Watch(_streamer);
        _speechStarted = DateTimeOffset.UtcNow;
        session.Tell(new StartVad { Resume = resume, Segments = _services.SegmentsInFlight, TraceParent = spec.TraceParent });
        _services.Log.LogInformation(
            "VAD of job {JobId} runs on {Node} from {Seconds:0.0} s",
            _jobId,
            session.Path.Address.HasLocalScope ? "this node" : session.Path.Address,
            from / (double)Media.Ffmpeg.AudioChunk.SampleRate);
    }

    /// <summary>The latest checkpoint behind which every segment is recorded (null: the input's start), and forgets older ones.</summary>
    private VadCheckpoint? ResumePoint()
    {
        var recorded = 0;
        while (_state.Transcribed.ContainsKey(recorded))
        {
            recorded++;
        }

        var usable = _checkpoints.Keys.Where(k => k < recorded).DefaultIfEmpty(-1).Max();
        foreach (var older in _checkpoints.Keys.Where(k => k < usable).ToList())
        {
            _checkpoints.Remove(older);
        }

        return usable < 0 ? null : _checkpoints[usable];
    }

    private void FromSession(Action handle)
    {
        if (_session is not null && Sender.Equals(_session) && !_state.IsTerminal)
        {
            handle();
        }
    }

    private void OnSegment(SpeechSegmentDetected detected) => FromSession(() =>
    {
        var index = detected.Index;
        if (index < 0 || detected.StartSample < 0 || detected.EndSample <= detected.StartSample)
        {
            EndWith(new JobFailed { Reason = $"the VAD session reported an impossible segment {index} ({detected.StartSample}–{detected.EndSample})", FailedUnixMs = Now() });
            return;
        }

        if (detected.Resume is { } resume)
        {
            _checkpoints[index] = resume;
        }

        if (_state.Found.TryGetValue(index, out var found) && (found.StartSample, found.EndSample) != (detected.StartSample, detected.EndSample))
        {
            EndWith(new JobFailed
            {
                Reason = $"speech detection, run again, found segment {index} at samples {detected.StartSample}–{detected.EndSample}, not {found.StartSample}–{found.EndSample} as before; did the input change?",
                FailedUnixMs = Now(),
            });
        }
        else if (_state.Transcribed.ContainsKey(index) || _inFlight.Contains(index))
        {
            _session!.Tell(new SegmentSettled { Index = index }); // recorded (or being recognised): its credit goes back
        }
        else if (found is not null)
        {
            Recognize(index);
        }
        else
        {
            Record(new SpeechSegmentFound { Index = index, StartSample = detected.StartSample, EndSample = detected.EndSample }, () => Recognize(index));
        }
    });

    private void Recognize(int index)
    {
        _inFlight.Add(index);
        _session?.Tell(new RecognizeSegment { Index = index });
    }

    private void OnVadEnded(VadEnded ended) => FromSession(() =>
    {
        StopStreamer();
        if (!_state.DetectionComplete)
        {
            Phase("speech detection", _speechStarted, Sender.Path.Address.HasLocalScope ? _node : Sender.Path.Address.ToString(), ("mediacluster.segments", ended.SegmentCount));
            Record(new SpeechDetectionCompleted { SegmentCount = ended.SegmentCount, TotalSamples = ended.TotalSamples }, SpeechDone);
            return;
        }

        // Run again for results lost: every recorded segment should have come again; one that did not (the input
        // changed, or VAD ran on other hardware) can never be recognised.
        var missing = LostSegments().ToList();
        if (missing.Count > 0)
        {
            EndWith(new JobFailed
            {
                Reason = $"speech detection, run again, did not find segment(s) {string.Join(", ", missing)} found before; did the input change?",
                FailedUnixMs = Now(),
            });
            return;
        }

        SpeechDone();
    });

    /// <summary>When every segment is found and recorded, the session (and its gpu slot) is let go; then the job may finish.</summary>
    private void SpeechDone()
    {
        if (_state.DetectionComplete && _inFlight.Count == 0 && !LostSegments().Any())
        {
            StopSpeechDetection();
        }

        FinishIfDone();
    }

    /// <summary>Stops speech detection: the decoder, the session (if any), the request for one (if out).</summary>
    private void StopSpeechDetection()
    {
        StopStreamer();
        if (_session is not null)
        {
            Context.Unwatch(_session);
            _session.Tell(new StopVad());
            _session = null;
        }

        if (_vadAsked)
        {
            _services.Vad.Tell(WithdrawVad.Instance);
            _vadAsked = false;
        }
    }

    private void StopStreamer()
    {
        if (_streamer is not null)
        {
            Context.Unwatch(_streamer);
            Context.Stop(_streamer);
            _streamer = null;
        }
    }

    /// <summary>
    /// The decoder stopped on its own (a bug: it reports failures), or the session's gpu node went away: its segments'
    /// audio went with it, so they are recognised again after a new session finds them again from the last checkpoint.
    /// </summary>
    private void OnSpeechActorStopped(IActorRef actor)
    {
        if (_state.IsTerminal)
        {
            return;
        }

        if (actor.Equals(_streamer))
        {
            _streamer = null;
            EndWith(new JobFailed { Reason = "the audio decoder stopped unexpectedly", FailedUnixMs = Now() });
        }
        else if (actor.Equals(_session))
        {
            _session = null;
            StopStreamer();
            _inFlight.Clear();
            if (++_vadLosses >= MaxVadLosses)
            {
                EndWith(new JobFailed { Reason = $"speech detection was lost {_vadLosses} times in a row with its gpu node", FailedUnixMs = Now() });
                return;
            }

            _services.Log.LogWarning(
                "The VAD session of job {JobId} on {Node} went away; speech detection starts again on another gpu node", _jobId, actor.Path.Address);
            StartSpeechDetection();
        }
    }

    private void OnRecognized(SegmentRecognized recognized)
    {
        var index = recognized.Result.Index;
        if (_state.IsTerminal || !_inFlight.Contains(index))
        {
            return;
        }

        if (_state.Transcribed.ContainsKey(index))
        {
            _services.Log.LogDebug("Segment {Index} of {JobId} was already recorded; duplicate ignored", index, _jobId);
            return;
        }

        PieceDone("segment", index, recognized.Node, recognized.QueueSeconds, recognized.WorkSeconds);
        Record(recognized.Result, () =>
        {
            _inFlight.Remove(index);
            _vadLosses = 0;
            _session?.Tell(new SegmentSettled { Index = index });
            SpeechDone();
        });
    }

    /// <summary>A failed recognition is retried after 1, 2 and 4 s; the fourth failure fails the job naming the segment.</summary>
    private void OnRecognitionFailed(SegmentRecognitionFailed failed)
    {
        if (_state.IsTerminal || !_inFlight.Contains(failed.Index))
        {
            return;
        }

        var (attempt, retryAfter) = _recognitionFailures.Failed(failed.Index);
        if (retryAfter is not { } delay)
        {
            EndWith(new JobFailed { Reason = $"recognising segment {failed.Index} failed {attempt} times: {failed.Reason}", FailedUnixMs = Now() });
            return;
        }

        _services.Log.LogWarning(
            "Recognising segment {Index} of {JobId} failed ({Reason}); retry {Attempt} in {Delay}", failed.Index, _jobId, failed.Reason, attempt, delay);
        _clock.StartSingle($"retry-{failed.Index}", new RetrySegment(failed.Index), delay);
    }

    private void Retry(RetrySegment retry)
    {
        if (!_state.IsTerminal && _inFlight.Contains(retry.Index))
        {
            _session?.Tell(new RecognizeSegment { Index = retry.Index });
        }
    }

    private sealed record RetrySegment(int Index);
}
