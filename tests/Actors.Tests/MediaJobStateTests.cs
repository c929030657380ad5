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
    public void Apply_AnEventItHasNoRuleFor_Throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => MediaJobState.Empty.Apply(new InboxFileAccepted { Sha256 = "ab" }));
        Assert.Equal("a media job has no rule for the event mediacluster.jobs.InboxFileAccepted", error.Message);
    }
}
