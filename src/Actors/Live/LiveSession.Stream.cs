using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Cluster;
using Google.Protobuf;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Live;

/// <summary>The session's stream on a gpu node: opening it (again, at the first kept sample), sending audio, taking its results.</summary>
public sealed partial class LiveSession
{
    /// <summary>Asks the next gpu member not known lost to open a stream at the first kept sample.</summary>
    private void Attach()
    {
        if (_stream is not null)
        {
            return;
        }

        var members = _cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(MediaClusterAkka.GpuRole) && !_cluster.State.Unreachable.Contains(m))
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .ToList();
        var candidates = members.Where(m => !_lost.Contains(m.Address)).ToList();
        if (candidates.Count == 0)
        {
            if (Environment.TickCount64 - _attachingSince > _limits.AttachTimeout.TotalMilliseconds)
            {
                Close(LiveEnd.NoRecognizer, members.Count == 0
                    ? $"no speech recognition node (role gpu) is in the cluster; gave up after {_limits.AttachTimeout.TotalSeconds:0} s"
                    : $"no speech recognition node took the session within {_limits.AttachTimeout.TotalSeconds:0} s (all busy or failing)");
                return;
            }

            // Lost and refusing members get another chance once every member has been tried.
            _lost.Clear();
            _clock.StartSingle("attach", AttachAgain.Instance, TimeSpan.FromMilliseconds(500));
            return;
        }

        // Sessions spread over the gpu members by their id; a member that failed is skipped.
        var member = candidates[(int)((uint)_id.GetHashCode(StringComparison.Ordinal) % candidates.Count)];
        _attempt++;
        Context.ActorSelection(new RootActorPath(member.Address) / "user" / LiveStreams.Name)
            .Tell(StartMessage());
        _clock.StartSingle("attach", AttachAgain.Instance, TimeSpan.FromSeconds(3));
    }

    private void OnStarted(LiveStreamStarted started)
    {
        _clock.Cancel("attach");
        if (++_failedStreams > 5)
        {
            Sender.Tell(PoisonPill.Instance);
            Close(LiveEnd.NoRecognizer, "the speech recogniser failed on this session's audio five times");
            return;
        }

        _stream = Sender;
        Context.Watch(_stream);
        _processed = _keptFrom;
        for (var offset = 0; offset < _kept.Count; offset += ChunkSamples)
        {
            var piece = CollectionsMarshal.AsSpan(_kept).Slice(offset, Math.Min(ChunkSamples, _kept.Count - offset)).ToArray();
            Send(_keptFrom + offset, piece);
        }

        if (_ending is not null)
        {
            _stream.Tell(new EndLiveStream());
        }
    }

    private void Send(long start, short[] samples)
    {
        var seq = ++_seq;
        _inFlight[seq] = (samples.Length, Environment.TickCount64);
        _stream!.Tell(new LiveAudio { Seq = seq, StartSample = start, Pcm = ByteString.CopyFrom(MemoryMarshal.AsBytes(samples.AsSpan())) });
    }

    private void OnProcessed(LiveAudioProcessed processed)
    {
        _attachingSince = Environment.TickCount64;
        long? sentAt = null;
        if (_inFlight.Remove(processed.Seq, out var piece))
        {
            _processed += piece.Samples;
            _failedStreams = 0;
            sentAt = piece.SentAt;
        }

        var drop = (int)Math.Clamp(processed.KeepFrom - _keptFrom, 0, _kept.Count);
        _kept.RemoveRange(0, drop);
        _keptFrom += drop;
        foreach (var update in processed.Updates)
        {
            if (!update.Final)
            {
                Emit(new LivePartialOutput(update.Text));
                if (sentAt is { } sent)
                {
                    _metrics.PartialLatency(TimeSpan.FromMilliseconds(Environment.TickCount64 - sent));
                }
            }
            else if (update.EndSample > _lastFinalEnd)
            {
                _lastFinalEnd = update.EndSample;
                Emit(new LiveFinalOutput(
                    update.Text,
                    Words(update.Words),
                    update.StartSample / 16000.0,
                    update.EndSample / 16000.0,
                    update.Confidence,
                    _speakers.Assign(Speech.SpeakerVoices.Statistics(update.SpeakerWindows)),
                    _hints.MaxAlternatives > 0 ? [.. update.Alternatives.Select(a => new Media.Asr.RecognitionAlternative(a.Text, a.Confidence, Words(a.Words)))] : null));
            }
        }

        if (processed.Ended)
        {
            _stream = null;
            Close(_ending ?? LiveEnd.Completed, _ending == LiveEnd.TooLong
                ? $"the session reached its maximum length of {_limits.MaxSessionLength.TotalMinutes:0} min (Node:Live:MaxSessionMinutes)"
                : "end of audio");
            return;
        }

        if (_waitingForRoom is not null && PendingSamples < SamplesOf(_limits.MaxPendingAudio))
        {
            _waitingForRoom.Tell(Accepted.Instance);
            _waitingForRoom = null;
            _heldBack += _time.GetUtcNow() - (_heldSince ?? _time.GetUtcNow());
            _heldSince = null;
        }
    }

    /// <summary>The stream's opening: where its audio starts, which attempt, and what the client asked of the recogniser.</summary>
    private StartLiveStream StartMessage()
    {
        var start = new StartLiveStream { SessionId = _id, StartSample = _keptFrom, Attempt = _attempt, MaxAlternatives = _hints.MaxAlternatives, TraceParent = _traceParent };
        start.Phrases.AddRange(_hints.Phrases);
        return start;
    }

    private static List<Media.Asr.RecognizedWord> Words(IEnumerable<RecognizedWord> words) =>
        [.. words.Select(w => new Media.Asr.RecognizedWord(w.Text, TimeSpan.FromSeconds(w.StartSeconds), TimeSpan.FromSeconds(w.EndSeconds), w.Confidence))];
}
