using System.Text.Json;

namespace MediaCluster.Cli;

/// <summary>JSON for scripts: one document per answer; updates as JSON lines.</summary>
internal sealed class JsonReporter(TextWriter output) : Reporter(output)
{
    private readonly Lock _gate = new();

    public override void Submitted(string file, string id) => Write(new { file, id });

    public override void Jobs(IReadOnlyList<JobInfo> jobs) => Write(jobs);

    public override void Job(JobInfo job) => Write(job);

    public override void Cancelled(string id) => Write(new { id, cancelling = true });

    public override void Cluster(ClusterInfo cluster) => Write(cluster);

    public override void Region(RegionStats stats) => Write(stats);

    public override void Models(IReadOnlyList<ModelInfo> models) => Write(models);

    public override void Speakers(IReadOnlyList<SpeakerInfo> speakers) => Write(speakers);

    public override void Model(ModelDetail model) => Write(model);

    public override void Trainer(TrainerInfo trainer) => Write(trainer);

    public override void Tasks(IReadOnlyList<TaskInfo> tasks) => Write(tasks);

    /// <summary>A list of {file, label, confidence, version}.</summary>
    public override void Predictions(IReadOnlyList<PredictionInfo> predictions) => Write(predictions);

    public override void Said(string message) => Write(new { message });

    public override void Downloaded(string id, IReadOnlyList<string> files) => Write(new { id, files });

    /// <summary>{id, kind, folder, files: [{name, bytes, scene, start, end, copied, note}]}.</summary>
    public override void Cut(string id, SceneCuts cuts, string folder) => Write(new { id, cuts.Kind, folder, cuts.Files });

    public override async Task<JobInfo[]> FollowAsync(IReadOnlyList<string> ids, Func<string, IAsyncEnumerable<JobInfo>> follow, CancellationToken ct) =>
        await Task.WhenAll(ids.Select(id => LastAsync(id, follow(id), Write)));

    public override Task WatchAllAsync(Func<Task<JobInfo[]>> poll, Func<Task> tick, CancellationToken ct) =>
        ShowChangesAsync(poll, tick, job => job, Write, ct);

    private void Write<T>(T value)
    {
        lock (_gate)
        {
            Output.WriteLine(JsonSerializer.Serialize(value, NodeClient.Json));
            Output.Flush();
        }
    }
}
