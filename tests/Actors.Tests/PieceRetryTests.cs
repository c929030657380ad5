using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Video;
using MediaCluster.Messages.Jobs;
using MediaCluster.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// A job's pieces sent to the classifiers (here a video's scenes, answered by a probe on a manual clock): an unanswered
/// piece is asked again after the timeout, a failed one after 1, 2 and 4 s, and the fourth failure fails the job naming it.
/// </summary>
public sealed class PieceRetryTests() : TestKit(ConfigurationFactory.ParseString(
    "akka.actor.provider = cluster\nakka.remote.dot-netty.tcp.hostname = 127.0.0.1\nakka.remote.dot-netty.tcp.port = 0")), IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-pieces-").FullName;
    private string _video = null!;

    public async Task InitializeAsync()
    {
        _video = Path.Combine(_directory, "two.mp4");
        await ShotClips.WriteScenesAsync(_video, [(ShotMovement.Static, TimeSpan.FromSeconds(3)), (ShotMovement.Push, TimeSpan.FromSeconds(3))], seed: 8, width: 320, height: 180);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AScene_UnansweredThenFailingThrice_IsAskedAgainEachTime_ThenFailsTheJobNamingIt()
    {
        var clock = new ManualTimeProvider();
        var classifiers = CreateTestProbe("classifiers");
        var job = Sys.ActorOf(MediaJob.Props("pieces", Services(clock, classifiers.Ref)));
        var watcher = CreateTestProbe("watcher");
        job.Tell(new StartJob { Spec = new JobSpec { JobId = "pieces", InputPath = _video, OutputDir = Path.Combine(_directory, "out") } }, watcher.Ref);
        job.Tell(new SubscribeToJob { JobId = "pieces", Subscriber = watcher.Ref.Path.ToString() });

        // Both scenes are sent once the pass has kept their frames; the second is labelled at once.
        var first = await classifiers.ExpectMsgAsync<ClassifyScene>(TimeSpan.FromSeconds(60), "scene 1 sent after the pass");
        var second = await classifiers.ExpectMsgAsync<ClassifyScene>(hint: "scene 2 sent");
        Assert.Equal((0, 1), (first.Scene.Index, second.Scene.Index));
        Assert.True(File.Exists(first.FramesPath), $"scene 1's frames at {first.FramesPath}");
        classifiers.Reply(new SceneClassified { JobId = "pieces", Index = 1, Node = "test" });

        // Scene 1 unanswered: asked again once the timeout has passed (its node may be gone) — the first failure.
        await clock.WaitForTimerAsync(delay => delay == Timeout, "scene 1's answer timeout");
        clock.Advance(Timeout);
        await AskedAgainAfterAsync(clock, classifiers, TimeSpan.FromSeconds(1));

        // Each failure answered waits longer (2 s, then 4 s); the fourth gives up.
        classifiers.Reply(new SceneClassificationFailed { JobId = "pieces", Index = 0, Reason = "boom" });
        await AskedAgainAfterAsync(clock, classifiers, TimeSpan.FromSeconds(2));
        classifiers.Reply(new SceneClassificationFailed { JobId = "pieces", Index = 0, Reason = "boom" });
        await AskedAgainAfterAsync(clock, classifiers, TimeSpan.FromSeconds(4));
        classifiers.Reply(new SceneClassificationFailed { JobId = "pieces", Index = 0, Reason = "boom" });

        var end = await watcher.FishForMessageAsync<JobProgress>(p => p.IsTerminal, TimeSpan.FromSeconds(10), "the job's end");
        Assert.Equal((JobState.Failed, "scene 1 could not be labelled after 4 attempts: boom"), (end.State, end.Error));
        Assert.Equal((2, 1), (end.ScenesFound, end.ScenesClassified));
        Assert.False(Directory.Exists(SceneFrameStore.Of(Path.Combine(_directory, "out")).Directory), "the frames are removed once the job has ended");
        await classifiers.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>The retry waits <paramref name="wait"/>, then scene 1 is sent again.</summary>
    private static async Task AskedAgainAfterAsync(ManualTimeProvider clock, Akka.TestKit.TestProbe classifiers, TimeSpan wait)
    {
        await clock.WaitForTimerAsync(delay => delay == wait, $"the {wait.TotalSeconds:0}-s retry");
        clock.Advance(wait);
        var again = await classifiers.ExpectMsgAsync<ClassifyScene>(hint: $"scene 1 sent again after {wait.TotalSeconds:0} s");
        Assert.Equal(0, again.Scene.Index);
    }

    private JobServices Services(ManualTimeProvider clock, IActorRef classifiers)
    {
        var none = new NodeEngines(() => throw new InvalidOperationException("a silent video needs no VAD"), () => throw new InvalidOperationException("nor a recogniser"));
        return new JobServices(
            Vad: CreateTestProbe().Ref,
            Index: CreateTestProbe().Ref,
            Engines: none,
            SegmentsInFlight: 4,
            PassivateAfter: TimeSpan.FromMinutes(5),
            Time: clock,
            Log: NullLogger.Instance,
            Classifiers: classifiers,
            Scenes: new SceneWork(new SceneOptions(), InFlight: 4, ClassifyTimeout: Timeout));
    }
}
