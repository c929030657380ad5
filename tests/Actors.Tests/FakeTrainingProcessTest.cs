using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Training;
using MediaCluster.Media.Samples;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// An embedded node whose training process is a shell command standing in for libtorch's (given the run's folder
/// last), with a text task "reviews" whose learner is a network, and its datasets made on demand.
/// </summary>
public abstract class FakeTrainingProcessTest(string name) : IAsyncLifetime
{
    protected string Folder { get; } = Directory.CreateTempSubdirectory($"mc-{name}-").FullName;

    protected EmbeddedNode Node { get; private set; } = null!;

    /// <summary>The shell script the training process runs.</summary>
    protected abstract string Script { get; }

    public async Task InitializeAsync()
    {
        Node = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(Folder, "data"),
            DatasetsDirectory = Path.Combine(Folder, "datasets"),
            NetworkTrainer = ["/bin/sh", "-c", Script, "training-process"],
        });
        Assert.True(await Node.Models.DefineTaskAsync(new TaskDefinition("reviews", "text", ["positive", "negative", "neutral"], 0, "{\"trainer\":\"mlp-head\",\"epochs\":2}", DateTimeOffset.UtcNow)));
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>A "reviews" dataset (10 sentences per label) made with <paramref name="seed"/>.</summary>
    protected Task<string> DatasetAsync(int seed) => TextSamples.WriteDatasetAsync(Path.Combine(Folder, $"text-{seed}"), perLabel: 10, seed: seed);

    /// <summary>What <paramref name="probe"/> finds, polled every 100 ms for up to two minutes (else the test fails saying <paramref name="failure"/>).</summary>
    protected static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string failure) where T : class
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{failure} within 2 minutes");
            await Task.Delay(100);
        }
    }
}
