using Akka.Actor;
using MediaCluster.Actors.Speech;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// Speech: a VAD slot, then a <see cref="SpeechDetector"/> child that may run <c>SegmentsInFlight</c> segments ahead
/// of recognition (the job grants one more each time a segment's result is recorded); each segment to the ASR pool;
/// failed recognitions retried after 1, 2 and 4 s.
/// </summary>
public sealed partial class MediaJob
{
    private readonly Dictionary<int, SpeechAudio> _inFlight = [];
    private readonly FailedAttempts _recognitionFailures = new();
    private IActorRef? _detector;
    private SlotState _vadSlot;

    /// <summary>Where the job stands with its VAD slot.</summary>
    private enum SlotState
    {
        None,
        Asked,
        Held,
    }

    /// <summary>
    /// Detection is to run: it has not finished, or it has but some segments' results were lost in a restart (their
    /// audio is not journaled) — then it decodes again and only those segments are recognised.
    /// </summary>
    private bool NeedsDetection => _state.Probed?.NoAudio != true && (!_state.DetectionComplete || LostSegments().Any());

    /// <summary>Segments found whose result is neither recorded nor on its way (their audio went with a restart).</summary>
    private IEnumerable<int> LostSegments() => _state.Found.Keys.Where(i => !_state.Transcribed.ContainsKey(i) && !_inFlight.ContainsKey(i));

    private void DefineSpeech()
    {
        Command<SlotGranted>(_ =>
        {
            _vadSlot = SlotState.Held;
            if (_state.IsTerminal || !NeedsDetection)
            {
                StopSpeechDetection();
                return;
            }

            Self.Tell(Advance.Instance);
        });
        Command<SpeechAudio>(OnSegment);
        Command<SpeechDetectionEnded>(ended =>
        {
            if (_state.IsTerminal || !ReferenceEquals(Sender, _detector))
            {
                return;
            }

            StopSpeechDetection();
            if (_state.DetectionComplete)
            {
                // A second pass, for results lost in a restart. Every recorded segment should have come again; one
                // that did not (the input changed, or VAD ran elsewhere on other hardware) can never be recognised.
                var missing = LostSegments().ToList();
                if (missing.Count > 0)
                {
                    EndWith(new JobFailed
                    {
                        Reason = $"speech detection, run again after a restart, did not find segment(s) {string.Join(", ", missing)} found before; did the input change?",
                        FailedUnixMs = Now(),
                    });
                    return;
                }

                FinishIfDone();
                return;
            }

            Record(new SpeechDetectionCompleted { SegmentCount = ended.Count }, FinishIfDone);
        });
        Command<SpeechDetectionFailed>(failed =>
        {
            if (ReferenceEquals(Sender, _detector))
            {
                EndWith(new JobFailed { Reason = failed.Reason, FailedUnixMs = Now() });
            }
        });
        Command<SegmentRecognized>(OnRecognized);
        Command<SegmentRecognitionFailed>(OnRecognitionFailed);
    }

    private void StartSpeechDetection(JobSpec spec)
    {
        if (_detector is not null)
        {
            return;
        }

        if (_vadSlot != SlotState.Held)
        {
            if (_vadSlot == SlotState.None)
            {
                _vadSlot = SlotState.Asked;
                _services.VadSlots.Tell(AcquireSlot.Instance);
            }

            return;
        }

        // VAD is deterministic and cheap (RTF ≈ 0.005): on resume it runs again; recorded results are skipped.
        _detector = Context.ActorOf(SpeechDetector.Props(_jobId, spec.InputPath, _services.Engines), "speech");
        Context.Watch(_detector);
        _detector.Tell(new RequestSegments(_services.SegmentsInFlight));
    }

    /// <summary>Stops speech detection (if running) and gives its VAD slot back (if held or asked for).</summary>
    private void StopSpeechDetection()
    {
        if (_detector is not null)
        {
            Context.Unwatch(_detector);
            Context.Stop(_detector);
            _detector = null;
        }

        if (_vadSlot != SlotState.None)
        {
            _services.VadSlots.Tell(ReleaseSlot.Instance);
            _vadSlot = SlotState.None;
        }
    }

    private void OnSpeechDetectorStopped(IActorRef actor)
    {
        if (ReferenceEquals(actor, _detector) && !_state.IsTerminal)
        {
            _detector = null;
            EndWith(new JobFailed { Reason = "the speech detector stopped unexpectedly", FailedUnixMs = Now() });
        }
    }

    private void OnSegment(SpeechAudio audio)
    {
        if (_state.IsTerminal || !ReferenceEquals(Sender, _detector))
        {
            return;
        }

        if (_state.Transcribed.ContainsKey(audio.Index) || _inFlight.ContainsKey(audio.Index))
        {
            _detector?.Tell(new RequestSegments(1)); // recorded (or already being recognised): its credit goes back
            return;
        }

        if (_state.Found.ContainsKey(audio.Index))
        {
            Recognize(audio);
            return;
        }

        Record(new SpeechSegmentFound { Index = audio.Index, StartSample = audio.StartSample, EndSample = audio.EndSample }, () => Recognize(audio));
    }

    private void Recognize(SpeechAudio audio)
    {
        _inFlight[audio.Index] = audio;
        _services.Segments.Tell(audio);
    }

    private void OnRecognized(SegmentRecognized recognized)
    {
        var index = recognized.Result.Index;
        if (_state.IsTerminal || !_inFlight.ContainsKey(index))
        {
            return;
        }

        if (_state.Transcribed.ContainsKey(index))
        {
            _services.Log.LogDebug("Segment {Index} of {JobId} was already recorded; duplicate ignored", index, _jobId);
            return;
        }

        Record(recognized.Result, () =>
        {
            _inFlight.Remove(index);
            _detector?.Tell(new RequestSegments(1));
            FinishIfDone();
        });
    }

    /// <summary>A failed recognition is retried after 1, 2 and 4 s; the fourth failure fails the job naming the segment.</summary>
    private void OnRecognitionFailed(SegmentRecognitionFailed failed)
    {
        if (_state.IsTerminal || !_inFlight.ContainsKey(failed.Index))
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
        if (!_state.IsTerminal && _inFlight.TryGetValue(retry.Index, out var audio))
        {
            _services.Segments.Tell(audio);
        }
    }

    private sealed record RetrySegment(int Index);
}
