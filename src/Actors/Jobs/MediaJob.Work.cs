using MediaCluster.Actors.Workers;
using MediaCluster.Media;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Messages.Jobs;
using MediaCluster.Messages.Runtime;
using MediaCluster.Runtime;
using MediaCluster.Runtime.Sharding;
using MediaCluster.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>The steps: probe, stream speech segments in, recognise them, record each result.</summary>
public sealed partial class MediaJob
{
    private void DefineWork()
    {
        Receive<StartJob>(start =>
        {
            if (_spec is null)
            {
                Persist(new JobAccepted { Spec = start.Spec, AcceptedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, e =>
                {
                    Apply(e);
                    Notify();
                    Self.Tell(Advance.Instance);
                });
            }
            else
            {
                Self.Tell(Advance.Instance);
            }

            Sender.Tell(Progress(), Self);
        });
        Receive<SubscribeToJob>(s =>
        {
            _subscribers.Add(s.Subscriber);
            s.Subscriber.Tell(Progress(), Self);
        });
        Receive<GetJobProgress>(_ => Sender.Tell(Progress(), Self));
        Receive<CancelJob>(c => EndWith(new JobCancelled { Reason = c.Reason }));
        Receive<ReceiveTimeout>(_ =>
        {
            if (IsTerminal && !_finishing)
            {
                Context.Parent.Tell(new Passivate(StopJob.Instance), Self);
            }
        });
        Receive<StopJob>(_ => Context.Stop(Self));
        ReceiveAsync<Advance>(_ => AdvanceAsync());
        Receive<StreamElement>(OnSegment);
        Receive<SegmentRecognized>(OnRecognized);
        Receive<SegmentRecognitionFailed>(OnRecognitionFailed);
        Receive<RetrySegment>(retry =>
        {
            if (!IsTerminal && _inFlight.TryGetValue(retry.Index, out var audio))
            {
                _services.AsrPool.Tell(audio, Self);
            }
        });
        Receive<StreamCompleted>(done =>
        {
            _inlet?.HandleEnd(done, out _);
            StopDetector();
            Persist(new SpeechDetectionCompleted { SegmentCount = (int)done.Count }, e =>
            {
                Apply(e);
                Notify();
                FinishIfDone();
            });
        });
        Receive<SlotGranted>(_ =>
        {
            _vadSlot = SlotState.Held;
            if (IsTerminal || _detectionComplete)
            {
                StopDetector();
                return;
            }

            Self.Tell(Advance.Instance);
        });
        Receive<StreamFailed>(failed => EndWith(new JobFailed { Reason = failed.Reason }));
        Receive<Terminated>(t =>
        {
            if (ReferenceEquals(t.Actor, _detector) && !IsTerminal)
            {
                _detector = null;
                EndWith(new JobFailed { Reason = "the speech detector stopped unexpectedly" });
            }
        });
        DefineFinish();
    }

    private async Task AdvanceAsync()
    {
        if (IsTerminal || _spec is null)
        {
            return;
        }

        if (_probed is null)
        {
            try
            {
                var info = await MediaProbe.ProbeAudioAsync(_spec.InputPath);
                Persist(
                    new MediaProbed { DurationSeconds = info.Duration?.TotalSeconds ?? 0, Container = info.Container, Streams = info.StreamSummary },
                    e =>
                    {
                        Apply(e);
                        Notify();
                        Self.Tell(Advance.Instance);
                    });
            }
            catch (MediaException ex)
            {
                EndWith(new JobFailed { Reason = ex.Message });
            }

            return;
        }

        if (!_detectionComplete && _detector is null)
        {
            if (_vadSlot != SlotState.Held)
            {
                if (_vadSlot == SlotState.None)
                {
                    _vadSlot = SlotState.Asked;
                    _services.VadSlots.Tell(AcquireSlot.Instance, Self);
                }

                return;
            }

            // VAD is deterministic and cheap (RTF ≈ 0.005): on resume it runs again; recorded results are skipped.
            _detector = Context.ActorOf(Props.Create(() => new SpeechDetector(_jobId, _spec.InputPath, _services.Vad, Self)), "speech");
            Context.Watch(_detector);
            _inlet = new StreamInlet("speech:" + _jobId, _detector, Self, _services.SegmentsInFlight);
            _inlet.Start();
            return;
        }

        FinishIfDone();
    }

    private void OnSegment(StreamElement element)
    {
        if (_inlet is null || IsTerminal)
        {
            return;
        }

        var audio = (SpeechAudio)_inlet.Accept(element);
        if (_transcribed.ContainsKey(audio.Index))
        {
            _inlet.Processed();
            return;
        }

        if (_found.ContainsKey(audio.Index))
        {
            Recognize(audio);
            return;
        }

        Persist(new SpeechSegmentFound { Index = audio.Index, StartSample = audio.StartSample, EndSample = audio.EndSample }, e =>
        {
            Apply(e);
            Recognize(audio);
            Notify();
        });
    }

    private void Recognize(SpeechAudio audio)
    {
        _inFlight[audio.Index] = audio;
        _services.AsrPool.Tell(audio, Self);
    }

    /// <summary>A failed recognition is retried after 1, 2 and 4 s; the fourth failure fails the job.</summary>
    private void OnRecognitionFailed(SegmentRecognitionFailed failed)
    {
        if (IsTerminal || !_inFlight.ContainsKey(failed.Index))
        {
            return;
        }

        var attempt = _attempts[failed.Index] = _attempts.GetValueOrDefault(failed.Index) + 1;
        if (attempt > MaxRetries)
        {
            EndWith(new JobFailed { Reason = $"recognising segment {failed.Index} failed {attempt} times: {failed.Reason}" });
            return;
        }

        var delay = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
        Log.LogWarning("Recognising segment {Index} of {Job} failed ({Reason}); retry {Attempt} in {Delay}", failed.Index, _jobId, failed.Reason, attempt, delay);
        Context.Timers.StartSingleTimer(("retry", failed.Index), new RetrySegment(failed.Index), delay);
    }

    private void OnRecognized(SegmentRecognized recognized)
    {
        if (IsTerminal)
        {
            return;
        }

        if (_transcribed.ContainsKey(recognized.Result.Index))
        {
            Log.LogDebug("Segment {Index} of {Job} was already recorded; duplicate ignored", recognized.Result.Index, _jobId);
            return;
        }

        Persist(recognized.Result, e =>
        {
            Apply(e);
            _inFlight.Remove(e.Index);
            _inlet?.Processed();
            Notify();
            FinishIfDone();
        });
    }

    private const int MaxRetries = 3;
    private readonly Dictionary<int, SpeechAudio> _inFlight = [];
    private readonly Dictionary<int, int> _attempts = [];

    private sealed record RetrySegment(int Index);

    /// <summary>Stops the speech detector child (its stream is over or no longer wanted).</summary>
    /// <summary>Stops speech detection (if running) and gives its VAD slot back (if held or asked for).</summary>
    private void StopDetector()
    {
        if (_detector is not null)
        {
            Context.Unwatch(_detector);
            Context.Stop(_detector);
            _detector = null;
        }

        if (_vadSlot != SlotState.None)
        {
            _services.VadSlots.Tell(ReleaseSlot.Instance, Self);
            _vadSlot = SlotState.None;
        }
    }

    private void EndWith(Google.Protobuf.IMessage terminal)
    {
        if (IsTerminal)
        {
            return;
        }

        StopDetector();
        if (terminal is JobFailed { } failure && _spec is { Title.Length: > 0 } spec)
        {
            // An upload's stored path means nothing to its sender: name the file as they did.
            failure.Reason = failure.Reason.Replace(spec.InputPath, spec.Title, StringComparison.Ordinal);
        }

        Persist(terminal, e =>
        {
            switch (e)
            {
                case JobFailed failed:
                    (_state, _failure) = (JobStates.Failed, failed.Reason);
                    break;
                case JobCancelled cancelled:
                    (_state, _failure) = (JobStates.Cancelled, cancelled.Reason);
                    break;
                default:
                    _state = JobStates.Completed;
                    break;
            }

            Notify();
        });
    }
}
