using System.Diagnostics;
using MediaCluster.Actors.Hosting;
using MediaCluster.Bench;
using MediaCluster.Messages.Jobs;
using MediaCluster.Testing;

// ./mc bench index [--jobs N]: the job index of an embedded node (SQLite journal) with N jobs registered and ended
// (default 100 000). Prints how long the index takes to recover after a restart (snapshot + the events after it) beside
// a raw read of its journal rows in the same run, and the p95 latency of a page of the listing (100 jobs, newest first;
// up to 200 pages following the cursor)
// beside a listing of every job (what GET /api/jobs did before it was paged).
var jobs = args is ["--jobs", var n] && int.TryParse(n, out var parsed) && parsed > 0 ? parsed : 100_000;
var directory = Directory.CreateTempSubdirectory("mc-bench-index-").FullName;
try
{
    var options = new MediaNodeOptions { DataDirectory = Path.Combine(directory, "data"), AskTimeout = TimeSpan.FromMinutes(2) };
    var ids = Enumerable.Range(0, jobs).Select(i => $"bench-{i:D7}").ToArray();
    await using (var node = await EmbeddedNode.StartAsync(options))
    {
        var clock = Stopwatch.StartNew();
        foreach (var chunk in ids.Chunk(64))
        {
            await Task.WhenAll(chunk.Select(id => node.Jobs.RegisterAsync(id)));
        }

        foreach (var id in ids)
        {
            node.Jobs.EndRegistered(id, JobState.Completed, string.Empty);
        }

        while ((await node.Jobs.CountsAsync()).Completed < jobs)
        {
            await Task.Delay(200);
        }

        BenchTools.Print("jobs", jobs);
        BenchTools.Print("register_and_end_seconds", clock.Elapsed.TotalSeconds);
    }

    // Recovery: a new node over the same journal; the index has recovered when it answers its first query.
    var restart = Stopwatch.StartNew();
    await using (var node = await EmbeddedNode.StartAsync(options))
    {
        var up = restart.Elapsed;
        var counts = await node.Jobs.CountsAsync();
        var recovery = restart.Elapsed - up;
        if (counts.Completed != jobs)
        {
            throw new InvalidOperationException($"the recovered index counts {counts.Completed} completed jobs, not {jobs}");
        }

        var raw = Stopwatch.StartNew();
        var rows = await JournalReader.ReadSqliteAsync(options.DataDirectory, "job-index");
        _ = rows.Select(r => r.Decode()).Count();
        var rawSeconds = raw.Elapsed.TotalSeconds;
        BenchTools.Print("index_recovery_seconds", recovery.TotalSeconds);
        BenchTools.Print("baseline_raw_journal_read_seconds", rawSeconds);
        BenchTools.Print("journal_rows", rows.Count);
        BenchTools.Print("recovery_vs_raw_read", recovery.TotalSeconds / rawSeconds);

        // Pages, newest first, following the cursor; then the whole listing a few times.
        var pages = new List<double>();
        string? after = null;
        var pageCount = Math.Min(200, (jobs - 1) / 100);
        for (var i = 0; i < pageCount; i++)
        {
            var timer = Stopwatch.StartNew();
            var page = await node.Jobs.ListAsync(100, after);
            pages.Add(timer.Elapsed.TotalMilliseconds);
            after = page.Next ?? throw new InvalidOperationException($"the listing ended after {i + 1} pages");
        }

        var whole = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var timer = Stopwatch.StartNew();
            var all = await node.Jobs.ListAsync();
            whole.Add(timer.Elapsed.TotalMilliseconds);
            if (all.Jobs.Count != jobs)
            {
                throw new InvalidOperationException($"the whole listing has {all.Jobs.Count} jobs, not {jobs}");
            }
        }

        var p95 = Percentile(pages, 0.95);
        BenchTools.Print("page_p95_ms", p95);
        BenchTools.Print("page_p50_ms", Percentile(pages, 0.5));
        BenchTools.Print("baseline_whole_listing_p50_ms", Percentile(whole, 0.5));
        BenchTools.Print("page_p95_vs_whole_listing", p95 / Percentile(whole, 0.5));
    }
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static double Percentile(List<double> values, double q)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
