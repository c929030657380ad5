using System.Globalization;
using System.Text.Json;
using Spectre.Console;

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

/// <summary>Plain lines (one fact per line, tab-separated tables): for pipes and logs.</summary>
internal sealed class PlainReporter(TextWriter output) : Reporter(output)
{
    private readonly Lock _gate = new();

    public override void Submitted(string file, string id) => Line($"submitted {id} {file}");

    public override void Jobs(IReadOnlyList<JobInfo> jobs)
    {
        Line("ID\tSTATE\tSEGMENTS\tDURATION\tTITLE\tSUBMITTED\tELAPSED\tERROR");
        foreach (var job in jobs)
        {
            Line($"{job.Id}\t{job.State}\t{Segments(job)}\t{Duration(job)}\t{job.Title}\t{Submitted(job)}\t{Elapsed(job)}\t{job.Error}");
        }
    }

    public override void Job(JobInfo job)
    {
        Line($"id: {job.Id}");
        Line($"title: {job.Title}");
        Line($"state: {job.State}");
        if (job.Error is not null)
        {
            Line($"error: {job.Error}");
        }

        Line($"submitted: {Submitted(job)}");
        Line($"elapsed: {Elapsed(job)}");
        Line($"duration: {Duration(job)}");
        Line($"segments: {SegmentLine(job)}");
    }

    public override void Cancelled(string id) => Line($"cancelling {id}");

    public override void Cluster(ClusterInfo cluster)
    {
        Line("ADDRESS\tROLES\tSTATUS\tREACHABLE\tLEADER\tOLDEST\tSELF");
        foreach (var m in cluster.Members)
        {
            Line($"{m.Address}\t{string.Join(',', m.Roles)}\t{m.Status}\t{(m.Reachable ? "yes" : "no")}\t{Mark(m.Address == cluster.Leader)}\t{Mark(m.Address == cluster.Oldest)}\t{Mark(m.Address == cluster.Self)}");
        }

        static string Mark(bool yes) => yes ? "*" : "";
    }

    public override void Region(RegionStats stats)
    {
        Line("ADDRESS\tSHARDS\tENTITIES");
        foreach (var r in stats.Regions)
        {
            Line($"{r.Address}\t{r.Shards}\t{r.Entities}");
        }
    }

    public override void Said(string message) => Line(message);

    public override void Models(IReadOnlyList<ModelInfo> models)
    {
        Line("TASK\tVERSION\tSTATUS\tTEST_MACRO_F1\tTEST_ACCURACY\tEXAMPLES\tDATASET\tCREATED\tREASON");
        foreach (var m in models)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{m.Task}\t{m.Version}\t{m.Status}\t{m.TestMacroF1:0.000}\t{m.TestAccuracy:0.000}\t{m.Examples}\t{m.DatasetHash}\t{m.Created:u}\t{m.Reason}"));
        }
    }

    public override void Speakers(IReadOnlyList<SpeakerInfo> speakers)
    {
        Line("SPEAKER\tNAME\tSECONDS\tTURNS");
        foreach (var s in speakers)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{s.Id}\t{s.Name}\t{s.Seconds:0.0}\t{s.Turns}"));
        }
    }

    public override void Model(ModelDetail model)
    {
        var m = model.Model;
        Line($"{m.Task} v{m.Version}: {m.Status} ({m.Reason})");
        Line(string.Create(CultureInfo.InvariantCulture, $"test: macro-F1 {m.TestMacroF1:0.000}, accuracy {m.TestAccuracy:0.000}; dataset {m.DatasetHash}, {m.Examples} examples; config {model.Config.GetRawText()}"));
        var (labels, precision, recall, confusion) = TestMetrics(model);
        Line("TRUE\\PREDICTED\t" + string.Join('\t', labels) + "\tPRECISION\tRECALL");
        for (var i = 0; i < labels.Length; i++)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{labels[i]}\t{string.Join('\t', confusion[i])}\t{precision[i]:0.000}\t{recall[i]:0.000}"));
        }
    }

    public override void Downloaded(string id, IReadOnlyList<string> files)
    {
        foreach (var file in files)
        {
            Line(file);
        }
    }

    public override Task<JobInfo[]> FollowAsync(IReadOnlyList<string> ids, Func<string, IAsyncEnumerable<JobInfo>> follow, CancellationToken ct) =>
        Task.WhenAll(ids.Select(id =>
        {
            string? shown = null;
            return LastAsync(id, follow(id), update =>
            {
                var line = Describe(update);
                if (line != shown)
                {
                    Line(line);
                    shown = line;
                }
            });
        }));

    public override Task WatchAllAsync(Func<Task<JobInfo[]>> poll, Func<Task> tick, CancellationToken ct) =>
        ShowChangesAsync(poll, tick, Describe, Line, ct);

    private static string Describe(JobInfo job) => job.State switch
    {
        "completed" => $"{job.Id} completed {job.SegmentsTranscribed} segments",
        "failed" or "cancelled" => $"{job.Id} {job.State}: {job.Error}",
        _ => $"{job.Id} {job.State} {Segments(job)} segments",
    };

    private void Line(string text)
    {
        lock (_gate)
        {
            Output.WriteLine(text);
            Output.Flush();
        }
    }
}

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
