using MediaCluster.Actors.Jobs;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

public sealed class MediaJobStateTests
{
    private static readonly JobSpec Spec = new() { JobId = "j", InputPath = "/media/talk.wav", OutputDir = "/out/j", Title = "talk.wav" };

    [Fact]
    public void Apply_TheEventsOfARun_GivesTheProgressTheyDescribe()
    {
        var state = MediaJobState.Empty
            .Apply(new JobAccepted { Spec = Spec, AcceptedUnixMs = 1_000 })
            .Apply(new MediaProbed { DurationSeconds = 12.5, Container = "wav" })
            .Apply(new SpeechSegmentFound { Index = 0, StartSample = 0, EndSample = 16_000 })
            .Apply(new SpeechSegmentFound { Index = 1, StartSample = 32_000, EndSample = 48_000 })
            .Apply(new SegmentTranscribed { Index = 1, Text = "two" })
            .Apply(new SpeechDetectionCompleted { SegmentCount = 2 });

        Assert.False(state.ReadyToFinish, "one segment still lacks its result");
        state = state.Apply(new SegmentTranscribed { Index = 0, Text = "one" });
        Assert.True(state.ReadyToFinish);
        Assert.Equal(
            new JobProgress
            {
                JobId = "j", State = JobState.Running, Title = "talk.wav", AcceptedUnixMs = 1_000, DurationSeconds = 12.5,
                SegmentsFound = 2, SegmentsTranscribed = 2, SpeechDetectionComplete = true,
            },
            state.Progress("j"));

        var failed = state.Apply(new JobFailed { Reason = "disk full", FailedUnixMs = 9_000 });
        Assert.Equal((JobState.Failed, "disk full", 9_000L, false), (failed.Phase, failed.Error, failed.EndedUnixMs, failed.ReadyToFinish));
    }

    [Fact]
    public void Apply_ASecondResultForAnIndex_ChangesNothing()
    {
        var first = MediaJobState.Empty.Apply(new JobAccepted { Spec = Spec }).Apply(new SegmentTranscribed { Index = 3, Text = "first" });
        var again = first.Apply(new SegmentTranscribed { Index = 3, Text = "second" });
        Assert.Same(first, again);
        Assert.Equal("first", again.Transcribed[3].Text);
    }

    [Fact]
    public void Apply_ABatchOfTextLabelsRecordedTwice_IsKeptOnce_AndNamesTheStep()
    {
        var first = MediaJobState.Empty.Apply(new JobAccepted { Spec = Spec }).Apply(new MediaProbed { DurationSeconds = 1 }).Apply(new SpeechDetectionCompleted())
            .Apply(new TextClassified { JobId = "j", Batch = 0, Labels = { new SceneLabel { Task = "text", Label = "talk" } } });
        var again = first.Apply(new TextClassified { JobId = "j", Batch = 0, Labels = { new SceneLabel { Task = "text", Label = "other" } } });
        Assert.Same(first, again);
        Assert.Equal("talk", again.TextLabels[0].Labels.Single().Label);
        Assert.Equal("labelling the text", again.Step);
    }

    [Fact]
    public void Apply_AnEventItHasNoRuleFor_Throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => MediaJobState.Empty.Apply(new InboxFileAccepted { Sha256 = "ab" }));
        Assert.Equal("a media job has no rule for the event mediacluster.jobs.InboxFileAccepted", error.Message);
    }

    [Fact]
    public void Strikes_IncarnationsThatEndWithoutProgressOrACleanStop_AreCounted_AndProgressResetsThem()
    {
        var accepted = MediaJobState.Empty.Apply(new JobAccepted { Spec = Spec });
        Assert.Equal((0, 1), (accepted.Strikes, accepted.StrikesIfResumed));
        Assert.Equal("probing the input", accepted.Step);

        // Crashed while probing, twice: each resume finds the last incarnation open and without progress.
        var twice = accepted.Apply(Started(accepted)).Apply(Started(accepted));
        Assert.Equal((2, 3, "probing the input"), (twice.Strikes, twice.StrikesIfResumed, twice.IncarnationStep));

        // A clean handoff is not a crash; progress in an incarnation clears the count.
        var handedOff = twice.Apply(new JobHandedOff());
        Assert.Equal(2, handedOff.StrikesIfResumed);
        var probed = twice.Apply(new MediaProbed { DurationSeconds = 60, HasVideo = true });
        Assert.Equal(0, probed.StrikesIfResumed);
        Assert.Equal("finding scenes and detecting speech", probed.Step);
        var resumed = probed.Apply(Started(probed));
        Assert.Equal((0, 1, "finding scenes and detecting speech"), (resumed.Strikes, resumed.StrikesIfResumed, resumed.IncarnationStep));
    }

    [Fact]
    public void Retried_AQuarantinedJob_RunsAgainWithItsRecordsAndNoStrikes()
    {
        var quarantined = MediaJobState.Empty.Apply(new JobAccepted { Spec = Spec })
            .Apply(new MediaProbed { DurationSeconds = 5 })
            .Apply(new SpeechSegmentFound { Index = 0, EndSample = 16_000 })
            .Apply(new JobIncarnationStarted { Step = "detecting speech" })
            .Apply(new JobIncarnationStarted { Step = "detecting speech" })
            .Apply(new JobFailed { Reason = "quarantined: it stopped 3 nodes while detecting speech", Quarantined = true });
        Assert.True(quarantined.Progress("j").Quarantined);

        var retried = quarantined.Apply(new JobRetried { RetriedUnixMs = 7 });
        Assert.Equal((JobState.Running, null, false, 0, 1, 1), (retried.Phase, retried.Error, retried.Quarantined, retried.Strikes, retried.StrikesIfResumed, retried.Found.Count));
        Assert.Throws<InvalidOperationException>(() => retried.Apply(new JobCompleted()).Apply(new JobRetried()));
    }

    private static JobIncarnationStarted Started(MediaJobState state) => new() { Step = state.Step };
}
