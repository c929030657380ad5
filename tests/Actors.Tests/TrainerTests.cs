using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Training;
using MediaCluster.Media.Learning;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// The trainer on a running node: the default model made when there is none, a dataset dropped into the watched folder
/// trained, registered and — when it beats the promoted one on its test split — promoted, and the next job's scenes
/// labelled by it with no restart.
/// </summary>
public sealed class TrainerTests : IAsyncLifetime
{
    private static readonly string[] Movements = [ShotMovement.Static, ShotMovement.Motion, ShotMovement.Push, ShotMovement.Static];

    private readonly string _directory = Directory.CreateTempSubdirectory("mc-trainer-").FullName;
    private EmbeddedNode _node = null!;
    private string _video = null!;

    private string TaskFolder => Path.Combine(_directory, "datasets", MovementTask.TaskName);

    public async Task InitializeAsync()
    {
        _video = Path.Combine(_directory, "four.mp4");
        await ShotClips.WriteScenesAsync(_video, [.. Movements.Select(m => (m, TimeSpan.FromSeconds(3)))], seed: 21);

        // Clips in a subfolder (the watcher reads the task folder's CSV files only), labelled by CSVs written later.
        await ShotClips.WriteDatasetAsync(Path.Combine(TaskFolder, "clips"), perLabel: 6, seed: 41);
        _node = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(_directory, "data"),
            DatasetsDirectory = Path.Combine(_directory, "datasets"),
            DatasetPoll = TimeSpan.FromMilliseconds(200),
        });
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task NewData_TrainedRegisteredPromoted_TheNextJobUsesItWithoutARestart()
    {
        // 1. No model: the first video's classifier asks for the default, trained from generated clips.
        var first = await LabelledByAsync(1);
        Assert.Equal(Movements, first.Select(l => l.Label));
        var v1 = await _node.Models.FindAsync(MovementTask.TaskName, 1);
        Assert.Equal((ModelStatus.Promoted, true), (v1!.Status, v1.Reason.StartsWith("the first shot-movement model", StringComparison.Ordinal)));

        // 2. A dataset whose labels are rotated (static → motion → push → pull → static): by its own test split the
        //    default is wrong everywhere, so the new version beats it and is promoted; the next job speaks its labels.
        var rotated = Rotate(await File.ReadAllLinesAsync(Path.Combine(TaskFolder, "clips", "labels.csv")));
        await File.WriteAllLinesAsync(Path.Combine(TaskFolder, "rotated.csv"), rotated);
        var v2 = await WaitForVersionAsync(2);
        Assert.Equal(ModelStatus.Promoted, v2.Status);
        Assert.Contains("beats v1's", v2.Reason);
        Assert.Contains("\"confusion\"", v2.Metrics);
        var second = await LabelledByAsync(2);
        Assert.Equal(Movements.Select(Rotated), second.Select(l => l.Label));

        // 3. The same data again (another name) is not trained twice; the correct labels beat v2 and are promoted.
        var again = await _node.Training.TrainAsync(MovementTask.TaskName, [Path.Combine(TaskFolder, "rotated.csv")], "test");
        Assert.Equal((true, 2), (again.AlreadyTrained, again.Version));
        File.Move(Path.Combine(TaskFolder, "rotated.csv"), Path.Combine(_directory, "rotated.csv"));
        var correct = await File.ReadAllLinesAsync(Path.Combine(TaskFolder, "clips", "labels.csv"));
        await File.WriteAllLinesAsync(Path.Combine(TaskFolder, "labels.csv"), [correct[0], .. correct.Skip(1).Select(line => "clips/" + line)]);
        Assert.Equal(ModelStatus.Promoted, (await WaitForVersionAsync(3)).Status);
        Assert.Equal(Movements, (await LabelledByAsync(3)).Select(l => l.Label));
        Assert.Equal(ModelStatus.Retired, (await _node.Models.FindAsync(MovementTask.TaskName, 2))!.Status);

        // 4. Rollback by hand: v1 promoted again, and the next job uses it.
        Assert.Equal(string.Empty, (await _node.Training.PromoteAsync(MovementTask.TaskName, 1)).Error);
        Assert.Equal(Movements, (await LabelledByAsync(1)).Select(l => l.Label));
    }

    /// <summary>
    /// Runs the video as new jobs until its scenes carry <paramref name="version"/> (a promotion reaches the classifiers
    /// a moment after the registry records it); every job's labels come from one version.
    /// </summary>
    private async Task<IReadOnlyList<ModelLabel>> LabelledByAsync(int version)
    {
        IReadOnlyList<ModelLabel> labels = [];
        await WaitUntilAsync(async () =>
        {
            labels = await LabelsAsync($"v{version}-{Guid.NewGuid():N}");
            Assert.Single(labels.Select(l => l.ModelVersion).Distinct());
            return labels[0].ModelVersion == version;
        }, $"no job's scenes were labelled by v{version}");
        return labels;
    }

    private static string Rotated(string label) => ShotMovement.Labels[(Array.IndexOf(ShotMovement.Labels, label) + 1) % ShotMovement.Labels.Length];

    private static IEnumerable<string> Rotate(string[] lines) =>
        [lines[0], .. lines.Skip(1).Select(line => line.Split(',')).Select(p => $"clips/{p[0]},{Rotated(p[1])}")];

    private async Task<IReadOnlyList<ModelLabel>> LabelsAsync(string id)
    {
        var output = Path.Combine(_directory, "out-" + id);
        var end = await _node.Jobs.RunAsync(new JobSpec { JobId = id, InputPath = _video, OutputDir = output }).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(end.State == JobState.Completed, $"job {id} ended {end.State}: {end.Error}");
        Assert.Equal(4, end.ScenesFound);
        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "scenes.json")));
        return [.. json.RootElement.GetProperty("scenes").EnumerateArray().Select(s => s.GetProperty("labels").GetProperty(MovementTask.TaskName)).Select(l =>
            new ModelLabel(MovementTask.TaskName, l.GetProperty("label").GetString()!, l.GetProperty("confidence").GetDouble(), l.GetProperty("model_version").GetInt32()))];
    }

    private async Task<ModelVersion> WaitForVersionAsync(int version)
    {
        ModelVersion? found = null;
        await WaitUntilAsync(async () => (found = await _node.Models.FindAsync(MovementTask.TaskName, version)) is { Status: not ModelStatus.Candidate }, $"no decided v{version} in the registry");

        // The promotion is published after the registry says so: wait until the trainer has recorded the run too.
        await WaitUntilAsync(async () => (await _node.Training.StatusAsync()).Recent.Any(r => r.Version == version), $"the trainer did not finish v{version}");
        return found!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what + " within 3 minutes");
            await Task.Delay(200);
        }
    }
}
