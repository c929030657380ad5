using Akka.Actor;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Reports;
using MediaCluster.Messages.Jobs;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// Who spoke when, a journaled step before the results: the gpu nodes measured each segment's voice as they recognised
/// it (<see cref="SegmentTranscribed.SpeakerWindows"/>); once speech is done the job clusters them (off the actor) and
/// records the turns (<see cref="SpeakersFound"/>), so a resumed job writes the same speakers without doing it again.
/// After the job completed, a speaker may be named (<see cref="RenameSpeaker"/>): recorded, then the transcript's
/// files and the diarization RTTM are written again with the name.
/// </summary>
public sealed partial class MediaJob
{
    private bool _diarizing;
    private Task _renaming = Task.CompletedTask;

    private void DefineSpeakers()
    {
        Command<SpeakersComputed>(computed =>
        {
            _diarizing = false;
            if (_state.IsTerminal || _state.Speakers is not null)
            {
                return;
            }

            _services.Log.LogInformation(
                "Job {JobId}: {Speakers} speaker(s) in {Turns} turn(s), found in {Seconds:0.00} s", _jobId, computed.Found.Turns.Select(t => t.Speaker).Distinct().Count(), computed.Found.Turns.Count, computed.Elapsed.TotalSeconds);
            Record(computed.Found, FinishIfDone);
        });
        Command<DiarizationFailed>(failed =>
        {
            _diarizing = false;
            EndWith(new JobFailed { Reason = $"finding the speakers failed: {failed.Reason}", FailedUnixMs = Now() });
        });
        Command<RenameSpeaker>(OnRenameSpeaker);
    }

    /// <summary>True once the speakers are recorded or not to be found (diarization off, no voice measured); else finds them.</summary>
    private bool SpeakersKnown()
    {
        if (_state.Speakers is not null || !_services.Diarization || !_state.Transcribed.Values.Any(t => t.SpeakerWindows is { FirstFrames.Count: > 0 }))
        {
            return true;
        }

        if (!_diarizing)
        {
            _diarizing = true;
            var voices = _state.Transcribed.Values.Select(VoiceOf).ToList();
            var count = CountOf(_state.Spec!.Speakers);
            Task.Run(() => SpeakersComputed.Of(voices, count), _work.Token).PipeTo(Self, failure: ex => new DiarizationFailed(ex.Message));
        }

        return false;
    }

    /// <summary>The recorded turns with the names given so far, or null when the job's speakers were not found.</summary>
    private SpeakerTurns? Speakers() => _state.Speakers is { } found
        ? new SpeakerTurns([.. found.Turns.Select(t => new SpeakerTurn(t.Speaker, TimeSpan.FromSeconds(t.StartSeconds), TimeSpan.FromSeconds(t.EndSeconds)))], _state.SpeakerNames)
        : null;

    private void OnRenameSpeaker(RenameSpeaker rename)
    {
        var refused = _state.Phase != JobState.Completed
            ? $"job {_jobId} has not completed (speakers are named once its results are written)"
            : Speakers() is { } speakers
                ? speakers.CannotName(rename.Speaker, rename.Name)
                : "the job has no speakers (diarization was off when it ran)";
        if (refused is not null)
        {
            Sender.Tell(new RenameSpeakerResult { Refused = refused });
            return;
        }

        var sender = Sender;
        Persist(new SpeakerRenamed { Speaker = rename.Speaker, Name = rename.Name, RenamedUnixMs = Now() }, renamed =>
        {
            _state = _state.Apply(renamed);
            _services.Log.LogInformation("Job {JobId}: speaker {Speaker} named {Name}", _jobId, renamed.Speaker, renamed.Name);

            // One rewrite after another, each with every name recorded by then, so the files end with the last.
            var (directory, speakers) = (_state.Spec!.OutputDir, Speakers()!);
            _renaming = _renaming.ContinueWith(_ => JobOutput.RewriteSpeakersAsync(directory, speakers), TaskScheduler.Default).Unwrap();
            _renaming.PipeTo(
                sender,
                success: () => new RenameSpeakerResult(),
                failure: ex => new RenameSpeakerResult { Refused = $"the name is recorded, but writing the results in '{directory}' again failed: {ex.Message}" });
        });
    }

    private static SegmentVoice VoiceOf(SegmentTranscribed segment) => Speech.SpeakerVoices.Read(segment.StartSeconds, segment.EndSeconds, segment.SpeakerWindows);

    /// <summary>The job's speaker count or bounds (validated when the job was submitted; clamped again here).</summary>
    private static SpeakerCount CountOf(SpeakerChoice? choice)
    {
        static int Bound(int value) => Math.Clamp(value, 1, SpeakerCount.Limit);
        if (choice is null)
        {
            return new SpeakerCount();
        }

        var min = choice.Min > 0 ? Bound(choice.Min) : 1;
        var max = choice.Max > 0 ? Bound(choice.Max) : Math.Max(min, SpeakerCount.DefaultMax);
        return new SpeakerCount(choice.Count > 0 ? Bound(choice.Count) : null, min, Math.Max(min, max));
    }

    private sealed record SpeakersComputed(SpeakersFound Found, TimeSpan Elapsed)
    {
        public static SpeakersComputed Of(IReadOnlyList<SegmentVoice> voices, SpeakerCount count)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var turns = Diarizer.Diarize(voices, count);
            var found = new SpeakersFound();
            found.Turns.AddRange(turns.Select(t => new SpeakerTurnFound { Speaker = t.Speaker, StartSeconds = t.Start.TotalSeconds, EndSeconds = t.End.TotalSeconds }));
            return new SpeakersComputed(found, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
    }

    private sealed record DiarizationFailed(string Reason);
}
