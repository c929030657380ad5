using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;
using Microsoft.Data.Sqlite;

namespace MediaCluster.Actors.Tests;

public sealed class JobIndexTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-index-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Listing_PagesNewestFirst_CountsByStateWithoutAskingJobs_AndANewNodeRecoversItFromASnapshot()
    {
        var options = new MediaNodeOptions { DataDirectory = Path.Combine(_directory, "data") };
        var ids = Enumerable.Range(0, 1_250).Select(i => $"j{i:D4}").ToArray();
        JobState[] states = [JobState.Completed, JobState.Failed, JobState.Cancelled];
        await using (var node = await EmbeddedNode.StartAsync(options))
        {
            foreach (var id in ids)
            {
                await node.Jobs.RegisterAsync(id);
            }

            // All but the newest five end (2 495 events: snapshots at 1 000 and 2 000).
            for (var i = 0; i < ids.Length - 5; i++)
            {
                node.Jobs.EndRegistered(ids[i], states[i % 3], "ended by the test");
            }

            await UntilAsync(async () => (await node.Jobs.CountsAsync()).Unfinished == 5, "every ending is recorded");
            await AssertListingAsync(node);
        }

        // The snapshot of the 2 000th event is kept (older ones deleted); a new node over the same journal lists the same.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(options.DataDirectory, "journal.db")};Mode=ReadOnly;Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT sequence_number FROM snapshot WHERE persistence_id = 'job-index'";
            Assert.Equal(2000L, Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
        }

        await using (var restarted = await EmbeddedNode.StartAsync(options))
        {
            await AssertListingAsync(restarted);
        }

        async Task AssertListingAsync(EmbeddedNode node)
        {
            var counts = await node.Jobs.CountsAsync();
            Assert.Equal((5, 415, 415, 415, 0), (counts.Unfinished, counts.Completed, counts.Failed, counts.Cancelled, counts.Quarantined));

            var first = await node.Jobs.ListAsync(100);
            Assert.Equal(ids.Reverse().Take(100), first.Jobs.Select(j => j.JobId));
            Assert.Equal("j1150", first.Next);
            Assert.Equal(JobState.New, first.Jobs[0].State); // asked: registered, never started
            Assert.Equal((JobState.Failed, "ended by the test"), (first.Jobs[^1].State, first.Jobs[^1].Error)); // from the index
            var second = await node.Jobs.ListAsync(100, first.Next);
            Assert.Equal(ids.Reverse().Skip(100).Take(100), second.Jobs.Select(j => j.JobId));
            var last = await node.Jobs.ListAsync(100, "j0050");
            Assert.Equal(ids[..50].Reverse(), last.Jobs.Select(j => j.JobId));
            Assert.Null(last.Next);
            Assert.Empty((await node.Jobs.ListAsync(100, "no-such-job")).Jobs);
            Assert.Equal(ids.Length, (await node.Jobs.ListAsync()).Jobs.Count);
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within a minute");
            await Task.Delay(50);
        }
    }
}
