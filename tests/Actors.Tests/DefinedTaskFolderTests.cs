using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Training;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>A task a user defined has a watched dataset folder like the built-in ones: data dropped there is trained.</summary>
public sealed class DefinedTaskFolderTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-defined-folder-").FullName;
    private EmbeddedNode _node = null!;

    public async Task InitializeAsync() =>
        _node = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            DatasetsDirectory = Path.Combine(_directory, "datasets"),
            DatasetPoll = TimeSpan.FromMilliseconds(200),
        });

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task DataDroppedInADefinedTasksFolder_IsTrained_AndItsVersionPromoted()
    {
        Assert.True(await _node.Models.DefineTaskAsync(new TaskDefinition("reviews", "text", [.. TextSamples.Labels], 0, "{\"trainer\":\"sdca\"}", DateTimeOffset.UtcNow)));
        await TextSamples.WriteDatasetAsync(Path.Combine(_directory, "datasets", "reviews"), perLabel: 10, seed: 5);

        var deadline = DateTime.UtcNow.AddMinutes(2);
        TrainingFinished? ended;
        while ((ended = (await _node.Training.StatusAsync()).Recent.FirstOrDefault(r => r.Task == "reviews")) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the folder's data was not trained within 2 minutes");
            await Task.Delay(100);
        }

        Assert.Equal((1, "promoted"), (ended.Version, ended.Status));
        Assert.Equal(ModelStatus.Promoted, Assert.Single(await _node.Models.ListAsync("reviews")).Status);
    }
}
