using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.TestKit;
using LinqToDB;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Ingest;
using MediaCluster.Messages.Jobs;
using MediaCluster.Messages.Serialization;
using MediaCluster.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MediaCluster.Actors.Tests;

public sealed class WatchFolderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-inbox-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Inbox => Path.Combine(_directory, "inbox");

    [Fact]
    public async Task FileCopiedInSlowly_BecomesExactlyOneJob_EvenAfterACopyAndARestart()
    {
        Directory.CreateDirectory(Inbox);
        var time = new ManualTimeProvider();
        var (host, watch, probe) = await StartAsync(time);
        var file = Path.Combine(Inbox, "talk.wav");
        await using (var writer = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read))
        {
            for (var chunk = 0; chunk < 5; chunk++)
            {
                await writer.WriteAsync(new byte[1000].Select(_ => (byte)chunk).ToArray());
                await writer.FlushAsync();
                File.SetLastWriteTimeUtc(file, new DateTime(2026, 1, 1, 0, 0, chunk, DateTimeKind.Utc));
                await PollAsync(time, watch);
                Assert.False(probe.HasMessages, $"a job started while the file was still growing (chunk {chunk})");
            }
        }

        await PollAsync(time, watch);
        Assert.False(probe.HasMessages, "a job started after one quiet poll; two are required");
        await PollAsync(time, watch);
        var started = await probe.ExpectMsgAsync<StartInboxJob>(TimeSpan.FromSeconds(30), "the job for the finished file");
        probe.Reply(new InboxJobAcknowledged(started.Spec.JobId));
        Assert.Equal(file, started.Spec.InputPath);
        Assert.StartsWith("inbox-", started.Spec.JobId);
        Assert.Equal(Path.Combine(_directory, "out", started.Spec.JobId), started.Spec.OutputDir);

        File.Copy(file, Path.Combine(Inbox, "talk copy.wav"));
        for (var i = 0; i < 5; i++)
        {
            await PollAsync(time, watch);
        }

        Assert.False(probe.HasMessages, "the same content under another name became a second job");
        await host.StopAsync();
        host.Dispose();

        (host, watch, probe) = await StartAsync(time);
        for (var i = 0; i < 5; i++)
        {
            await PollAsync(time, watch);
        }

        Assert.False(probe.HasMessages, "a file already accepted became a job again after a restart");
        Assert.Equal(new WatchFolderStatus(1, 0), await watch.Ask<WatchFolderStatus>(GetWatchFolderStatus.Instance, TimeSpan.FromSeconds(30)));
        await host.StopAsync();
        host.Dispose();
    }

    [Fact]
    public async Task AStartNotAcknowledged_IsSentAgain_AlsoAfterARestart_UntilItIs()
    {
        Directory.CreateDirectory(Inbox);
        var time = new ManualTimeProvider();
        var (host, watch, probe) = await StartAsync(time);
        await File.WriteAllBytesAsync(Path.Combine(Inbox, "talk.wav"), new byte[1000]);
        for (var i = 0; i < 3; i++)
        {
            await PollAsync(time, watch);
        }

        var first = await probe.ExpectMsgAsync<StartInboxJob>(TimeSpan.FromSeconds(30), "the job's start");

        // The start is lost: 9 s later nothing is sent again, at 10 s it is.
        for (var i = 0; i < 9; i++)
        {
            await PollAsync(time, watch);
        }

        Assert.False(probe.HasMessages, "the start was sent again before ResendAfter");
        await PollAsync(time, watch);
        Assert.Equal(first.Spec, (await probe.ExpectMsgAsync<StartInboxJob>(TimeSpan.FromSeconds(30), "the start, sent again")).Spec);

        // A restart before any acknowledgement sends it at once; acknowledged, it is never sent again.
        await host.StopAsync();
        host.Dispose();
        (host, watch, probe) = await StartAsync(time);
        var again = await probe.ExpectMsgAsync<StartInboxJob>(TimeSpan.FromSeconds(30), "the unacknowledged start, after the restart");
        Assert.Equal(first.Spec, again.Spec);
        probe.Reply(new InboxJobAcknowledged(again.Spec.JobId));
        for (var i = 0; i < 12; i++)
        {
            await PollAsync(time, watch);
        }

        Assert.False(probe.HasMessages, "an acknowledged start was sent again");
        await host.StopAsync();
        host.Dispose();
    }

    [Fact]
    public async Task Node_WithAnInbox_TranscribesAFileDroppedIntoIt()
    {
        Directory.CreateDirectory(Inbox);
        await using var node = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(_directory, "node-data"),
            Inbox = new WatchFolderOptions(Inbox, Path.Combine(_directory, "results")) { PollInterval = TimeSpan.FromMilliseconds(200) },
        });
        var clip = MediaCluster.Media.Samples.SpeechSampleMaker.LibriVoxClips()[1].Path;
        var staged = Path.Combine(Inbox, ".uploading");
        File.Copy(clip, staged);
        File.Move(staged, Path.Combine(Inbox, "clip.wav"));
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(clip)));
        var end = await node.Jobs.WatchAsync("inbox-" + hash[..16]).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(JobState.Completed, end.State);
        Assert.True(File.Exists(Path.Combine(_directory, "results", "inbox-" + hash[..16], "transcript.txt")));
    }

    /// <summary>An actor system with the node's journal (SQLite) and serializer, the watch folder, and a probe as its job starter.</summary>
    private async Task<(IHost, IActorRef, TestProbe)> StartAsync(ManualTimeProvider time)
    {
        var data = Path.Combine(_directory, "data");
        Directory.CreateDirectory(data);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddAkka("inbox", akka => akka
            .WithCustomSerializer(ProtobufSerializer.Name, ProtobufSerializer.BoundTypes, system => new ProtobufSerializer(system))
            .WithSqlPersistence($"Data Source={Path.Combine(data, "journal.db")}", ProviderName.SQLiteMS, autoInitialize: true));
        var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var probe = new TestProbe(system, new Akka.TestKit.Xunit2.XunitAssertions());
        var watch = system.ActorOf(WatchFolder.Props(new WatchFolderOptions(Inbox, Path.Combine(_directory, "out")), probe.Ref, time));
        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(1), "the watch folder's poll timer");
        return (host, watch, probe);
    }

    /// <summary>One poll, then a barrier: the status reply comes after the poll (and any job it started).</summary>
    private static async Task PollAsync(ManualTimeProvider time, IActorRef watch)
    {
        time.Advance(TimeSpan.FromSeconds(1));
        await watch.Ask<WatchFolderStatus>(GetWatchFolderStatus.Instance, TimeSpan.FromSeconds(30));
    }
}
