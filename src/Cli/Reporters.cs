using System.Globalization;

namespace MediaCluster.Cli;

/// <summary>How pbm shows results: tables and bars on a terminal, plain lines when piped, JSON for scripts.</summary>
internal abstract class Reporter(TextWriter output)
{
    protected TextWriter Output { get; } = output;

    public abstract void Submitted(string file, string id);

    public abstract void Jobs(IReadOnlyList<JobInfo> jobs);

    public abstract void Job(JobInfo job);

    public abstract void Cancelled(string id);

    /// <summary>The cluster's members, leader and oldest.</summary>
    public abstract void Cluster(ClusterInfo cluster);

    /// <summary>A shard region's shards and entities per node.</summary>
    public abstract void Region(RegionStats stats);

    /// <summary>A plain fact (a list of region names, what a cluster command did).</summary>
    public abstract void Said(string message);

    /// <summary>Registered model versions (pbm model list).</summary>
    public abstract void Models(IReadOnlyList<ModelInfo> models);

    /// <summary>A job's speakers: id, name, speaking time, turns (pbm media speakers).</summary>
    public abstract void Speakers(IReadOnlyList<SpeakerInfo> speakers);

    /// <summary>One version with its test metrics and confusion matrix (pbm model show).</summary>
    public abstract void Model(ModelDetail model);

    /// <summary>What the trainer does (pbm model training): plain lines in every human form.</summary>
    public virtual void Trainer(TrainerInfo trainer)
    {
        Said(trainer.RunningTask is { } task
            ? $"training {task} on dataset {trainer.RunningDatasetHash}: {trainer.Phase}; {trainer.Queued} queued"
            : $"idle; {trainer.Queued} queued");
        foreach (var run in trainer.Recent)
        {
            Said(run.Version > 0 ? $"{run.Task} v{run.Version} on {run.DatasetHash}: {run.Status} ({run.Reason})" : $"{run.Task} on {run.DatasetHash}: {run.Status} ({run.Reason})");
        }
    }

    /// <summary>The tasks, built in and defined (pbm model tasks): tab-separated lines in every human form.</summary>
    public virtual void Tasks(IReadOnlyList<TaskInfo> tasks)
    {
        Said("TASK\tKIND\tPROMOTED\tLEARNER\tLABELS");
        foreach (var t in tasks)
        {
            var learner = t.Config.TryGetProperty("trainer", out var trainer) ? trainer.GetString() : "?";
            Said($"{t.Name}\t{t.Kind}{(t.BuiltIn ? " (built in)" : string.Empty)}\t{(t.PromotedVersion > 0 ? $"v{t.PromotedVersion}" : "none")}\t{learner}\t{string.Join(", ", t.Labels)}");
        }
    }

    /// <summary>Each file's label and confidence (pbm model predict).</summary>
    public virtual void Predictions(IReadOnlyList<PredictionInfo> predictions)
    {
        foreach (var p in predictions)
        {
            Said(string.Create(CultureInfo.InvariantCulture, $"{p.File}\t{p.Label}\t{p.Confidence:0.000}"));
        }
    }

    /// <summary>The test split's labels, per-class precision/recall and confusion matrix, from a version's metrics.</summary>
    protected static (string[] Labels, double[] Precision, double[] Recall, int[][] Confusion) TestMetrics(ModelDetail model)
    {
        var test = model.Metrics.GetProperty("test");
        return (
            [.. test.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!)],
            [.. test.GetProperty("precision").EnumerateArray().Select(v => v.GetDouble())],
            [.. test.GetProperty("recall").EnumerateArray().Select(v => v.GetDouble())],
            [.. test.GetProperty("confusion").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetInt32()).ToArray())]);
    }

    public abstract void Downloaded(string id, IReadOnlyList<string> files);

    /// <summary>A job's video cut at its scenes (<paramref name="cuts"/>), downloaded to <paramref name="folder"/>.</summary>
    public abstract void Cut(string id, SceneCuts cuts, string folder);

    /// <summary>"0:01.6–0:03.6" of a cut file; nothing for the whole video.</summary>
    protected static string Span(SceneCutFile file) =>
        file.Scene is null ? string.Empty : $"{Clock(file.Start)}–{Clock(file.End)}";

    private static string Clock(double seconds) => TimeSpan.FromSeconds(seconds).ToString(seconds >= 3600 ? @"h\:mm\:ss\.f" : @"m\:ss\.f", CultureInfo.InvariantCulture);

    /// <summary>Shows each job's progress until it ends; returns the final states.</summary>
    public abstract Task<JobInfo[]> FollowAsync(IReadOnlyList<string> ids, Func<string, IAsyncEnumerable<JobInfo>> follow, CancellationToken ct);

    /// <summary>Shows every job, refreshed by <paramref name="poll"/>, until cancelled.</summary>
    public abstract Task WatchAllAsync(Func<Task<JobInfo[]>> poll, Func<Task> tick, CancellationToken ct);

    protected static string Segments(JobInfo job) => $"{job.SegmentsTranscribed}/{job.SegmentsFound}{(job.SpeechDetectionComplete ? "" : "+")}";

    protected static string Duration(JobInfo job) => TimeSpan.FromSeconds(Math.Round(job.DurationSeconds)).ToString("c", CultureInfo.InvariantCulture);

    /// <summary>Segments in words; a job that ended early says only what it found.</summary>
    protected static string SegmentLine(JobInfo job) => job.State is "failed" or "cancelled"
        ? $"{job.SegmentsTranscribed} transcribed of {job.SegmentsFound} found before it ended"
        : $"{job.SegmentsTranscribed} transcribed of {job.SegmentsFound} found{(job.SpeechDetectionComplete ? "" : " so far")}";

    /// <summary>When the job was submitted, in local time (empty when unknown).</summary>
    protected static string Submitted(JobInfo job) =>
        job.SubmittedAt?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Time from submission to the end (or to now while it runs).</summary>
    protected static string Elapsed(JobInfo job) => TimeSpan.FromSeconds(Math.Round(job.ElapsedSeconds)).ToString("c", CultureInfo.InvariantCulture);

    /// <summary>Polls every job until cancelled and shows each one whose <paramref name="view"/> changed.</summary>
    protected static async Task ShowChangesAsync<TView>(
        Func<Task<JobInfo[]>> poll, Func<Task> tick, Func<JobInfo, TView> view, Action<TView> show, CancellationToken ct)
    {
        var shown = new Dictionary<string, TView>();
        while (!ct.IsCancellationRequested)
        {
            foreach (var job in await poll())
            {
                var now = view(job);
                if (!shown.TryGetValue(job.Id, out var before) || !EqualityComparer<TView>.Default.Equals(before, now))
                {
                    show(now);
                    shown[job.Id] = now;
                }
            }

            await tick();
        }
    }

    protected static async Task<JobInfo> LastAsync(string id, IAsyncEnumerable<JobInfo> updates, Action<JobInfo> onUpdate)
    {
        JobInfo? last = null;
        await foreach (var update in updates)
        {
            onUpdate(update);
            last = update;
        }

        return last is { IsTerminal: true } ? last : throw new NodeApiException($"the node closed job {id}'s event stream before the job ended (did the node stop?); `pbm media watch {id}` follows it again");
    }
}
