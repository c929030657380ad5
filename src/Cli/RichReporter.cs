using System.Globalization;
using Spectre.Console;

namespace MediaCluster.Cli;

/// <summary>Tables and progress bars (Spectre.Console) for a terminal.</summary>
internal sealed class RichReporter(IAnsiConsole console) : Reporter(TextWriter.Null)
{
    public override void Submitted(string file, string id) => console.MarkupLineInterpolated($"[green]submitted[/] [bold]{id}[/] {file}");

    public override void Jobs(IReadOnlyList<JobInfo> jobs) => console.Write(Table(jobs));

    public override void Job(JobInfo job)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("id", Markup.Escape(job.Id));
        grid.AddRow("title", Markup.Escape(job.Title));
        grid.AddRow("state", $"[{Colour(job)}]{Markup.Escape(job.State)}[/]");
        if (job.Error is not null)
        {
            grid.AddRow("error", Markup.Escape(job.Error));
        }

        grid.AddRow("submitted", Submitted(job));
        grid.AddRow("elapsed", Elapsed(job));
        grid.AddRow("duration", Duration(job));
        grid.AddRow("segments", Markup.Escape(SegmentLine(job)));
        console.Write(grid);
    }

    public override void Cancelled(string id) => console.MarkupLineInterpolated($"[yellow]cancelling[/] {id}");

    public override void Cluster(ClusterInfo cluster)
    {
        var table = new Table().AddColumns("address", "roles", "status", "reachable", "");
        foreach (var m in cluster.Members)
        {
            var marks = string.Join(' ', new[] { (m.Address == cluster.Leader, "leader"), (m.Address == cluster.Oldest, "oldest"), (m.Address == cluster.Self, "this node") }
                .Where(x => x.Item1).Select(x => x.Item2));
            var status = m.Status == "up" ? "[green]up[/]" : $"[yellow]{Markup.Escape(m.Status)}[/]";
            table.AddRow(Markup.Escape(m.Address), Markup.Escape(string.Join(", ", m.Roles)), status, m.Reachable ? "yes" : "[red]no[/]", marks);
        }

        console.Write(table);
    }

    public override void Region(RegionStats stats)
    {
        var table = new Table().AddColumns("address", "shards", "entities");
        foreach (var r in stats.Regions)
        {
            table.AddRow(Markup.Escape(r.Address), r.Shards.ToString(CultureInfo.InvariantCulture), r.Entities.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
    }

    public override void Said(string message) => console.WriteLine(message);

    public override void Models(IReadOnlyList<ModelInfo> models)
    {
        var table = new Table().AddColumns("task", "version", "status", "test macro-F1", "accuracy", "examples", "dataset", "created", "why");
        foreach (var m in models)
        {
            var status = m.Status switch { "promoted" => "[green]promoted[/]", "rejected" => "[red]rejected[/]", _ => Markup.Escape(m.Status) };
            table.AddRow(
                Markup.Escape(m.Task), $"v{m.Version}", status, m.TestMacroF1.ToString("0.000", CultureInfo.InvariantCulture), m.TestAccuracy.ToString("0.000", CultureInfo.InvariantCulture),
                m.Examples.ToString(CultureInfo.InvariantCulture), m.DatasetHash, m.Created.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Markup.Escape(m.Reason));
        }

        console.Write(table);
    }

    public override void Speakers(IReadOnlyList<SpeakerInfo> speakers)
    {
        var table = new Table().AddColumns("speaker", "name", "speaking", "turns");
        foreach (var s in speakers)
        {
            table.AddRow(s.Id, Markup.Escape(s.Name), TimeSpan.FromSeconds(s.Seconds).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture), s.Turns.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
    }

    public override void Model(ModelDetail model)
    {
        var m = model.Model;
        console.MarkupLineInterpolated($"[bold]{m.Task} v{m.Version}[/]: {m.Status} — {m.Reason}");
        console.MarkupLineInterpolated($"test macro-F1 {m.TestMacroF1:0.000}, accuracy {m.TestAccuracy:0.000}; dataset {m.DatasetHash}, {m.Examples} examples; config {model.Config.GetRawText()}");
        var (labels, precision, recall, confusion) = TestMetrics(model);
        var table = new Table().Title("confusion matrix (test split; rows: true label)").AddColumn("true \\ predicted");
        foreach (var label in labels)
        {
            table.AddColumn(Markup.Escape(label));
        }

        table.AddColumns("precision", "recall");
        for (var i = 0; i < labels.Length; i++)
        {
            table.AddRow([Markup.Escape(labels[i]), .. confusion[i].Select((n, j) => i == j ? $"[green]{n}[/]" : n.ToString(CultureInfo.InvariantCulture)),
                precision[i].ToString("0.000", CultureInfo.InvariantCulture), recall[i].ToString("0.000", CultureInfo.InvariantCulture)]);
        }

        console.Write(table);
    }

    public override void Cut(string id, SceneCuts cuts, string folder)
    {
        var table = new Table().AddColumns("file", "scene", "span", "how");
        foreach (var file in cuts.Files)
        {
            table.AddRow(
                Markup.Escape(Path.Combine(folder, file.Name)),
                file.Scene?.ToString(CultureInfo.InvariantCulture) ?? "",
                Span(file),
                file.Copied ? Markup.Escape(file.Note) : $"[yellow]{Markup.Escape(file.Note)}[/]");
        }

        console.Write(table);
    }

    public override void Downloaded(string id, IReadOnlyList<string> files)
    {
        foreach (var file in files)
        {
            console.MarkupLineInterpolated($"[green]wrote[/] {file}");
        }
    }

    public override async Task<JobInfo[]> FollowAsync(IReadOnlyList<string> ids, Func<string, IAsyncEnumerable<JobInfo>> follow, CancellationToken ct)
    {
        JobInfo[] finals = [];
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                finals = await Task.WhenAll(ids.Select(id =>
                {
                    var task = progress.AddTask(Markup.Escape(id), maxValue: 1);
                    return LastAsync(id, follow(id), update =>
                    {
                        task.Description = $"{Markup.Escape(update.Id)} [{Colour(update)}]{Markup.Escape(update.State)}[/] {Segments(update)}";
                        task.Value = update.Done;
                        if (update.IsTerminal)
                        {
                            task.StopTask();
                        }
                    });
                }));
            });
        foreach (var failed in finals.Where(f => f.Error is not null))
        {
            console.MarkupLineInterpolated($"[red]{failed.Id} {failed.State}:[/] {failed.Error}");
        }

        return finals;
    }

    public override async Task WatchAllAsync(Func<Task<JobInfo[]>> poll, Func<Task> tick, CancellationToken ct) =>
        await console.Live(Table([])).StartAsync(async live =>
        {
            while (!ct.IsCancellationRequested)
            {
                live.UpdateTarget(Table(await poll()));
                await tick();
            }
        });

    private static Table Table(IReadOnlyList<JobInfo> jobs)
    {
        // The short columns never wrap; the title and the error take what width is left.
        var table = new Table()
            .AddColumns(new[] { "id", "state", "segments", "elapsed", "submitted" }.Select(name => new TableColumn(name).NoWrap()).ToArray())
            .AddColumns("title", "error");
        foreach (var job in jobs)
        {
            table.AddRow(
                Markup.Escape(job.Id), $"[{Colour(job)}]{Markup.Escape(job.State)}[/]", Segments(job), Elapsed(job),
                job.SubmittedAt?.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "", Markup.Escape(job.Title), Markup.Escape(job.Error ?? ""));
        }

        return table;
    }

    private static string Colour(JobInfo job) => job.State switch
    {
        "completed" => "green",
        "failed" => "red",
        "cancelled" => "yellow",
        _ => "blue",
    };
}
