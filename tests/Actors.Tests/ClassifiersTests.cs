using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using MediaCluster.Actors.Classification;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Training;
using MediaCluster.Messages.Jobs;
using MediaCluster.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// A gpu node's <see cref="Classifiers"/> with no promoted model: the trainer (a probe) is asked for each default a
/// waiting scene needs, and asked again while the scene still waits — the trainer singleton that got the first ask may
/// have died with its node before it recorded anything, and the one that took its place must hear it too.
/// </summary>
public sealed class ClassifiersTests() : TestKit(ConfigurationFactory.ParseString(
    "akka.actor.provider = cluster\nakka.remote.dot-netty.tcp.hostname = 127.0.0.1\nakka.remote.dot-netty.tcp.port = 0")), IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mc-classifiers-").FullName;

    [Fact]
    public async Task ASceneWaitingForMissingModels_AsksTheTrainerForEachDefault_AndAgainWhileItWaits()
    {
        var engines = new NodeEngines(() => throw new InvalidOperationException("no VAD here"), () => throw new InvalidOperationException("no recogniser here"));
        var time = new ManualTimeProvider();
        var trainer = CreateTestProbe();
        var classifiers = Sys.ActorOf(Classifiers.Props(ModelRegistry.For(_folder, null), engines, trainer.Ref, 1, NullLogger.Instance, time));
        classifiers.Tell(new ClassifyScene { JobId = "job", Scene = new SceneFound { Index = 0 }, FramesPath = Path.Combine(_folder, "frames") });

        var shotTasks = engines.ShotTasks.Select(t => t.Name).Order().ToList();
        Assert.Equal(shotTasks, await AsksAsync(trainer, shotTasks.Count, "the first ask for each shot task's default"));
        await time.WaitForTimerAsync(d => d == Classifiers.AskAgainEvery, "the timer that asks again");

        time.Advance(Classifiers.AskAgainEvery);
        Assert.Equal(shotTasks, await AsksAsync(trainer, shotTasks.Count, "the asks again while the scene waits"));
        time.Advance(Classifiers.AskAgainEvery);
        Assert.Equal(shotTasks, await AsksAsync(trainer, shotTasks.Count, "and again"));
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static async Task<List<string>> AsksAsync(Akka.TestKit.TestProbe trainer, int count, string what)
    {
        var tasks = new List<string>();
        for (var i = 0; i < count; i++)
        {
            tasks.Add((await trainer.ExpectMsgAsync<EnsureDefaultModel>(TimeSpan.FromSeconds(30), hint: what)).Task);
        }

        return [.. tasks.Order()];
    }
}
