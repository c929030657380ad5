using System.Globalization;

namespace MediaCluster.Cli;

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

    public override void Cut(string id, SceneCuts cuts, string folder)
    {
        Line("FILE\tSCENE\tSPAN\tHOW");
        foreach (var file in cuts.Files)
        {
            Line($"{Path.Combine(folder, file.Name)}\t{file.Scene?.ToString(CultureInfo.InvariantCulture) ?? "-"}\t{Span(file)}\t{file.Note}");
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
