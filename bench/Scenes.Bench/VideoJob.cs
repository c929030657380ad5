using System.Diagnostics;
using MediaCluster.Actors.Hosting;
using MediaCluster.Bench;
using MediaCluster.Messages.Jobs;

/// <summary>
/// The whole video job (probe, the one pass over its pictures, every scene labelled, artifacts with the contact sheet
/// and report) on an embedded node, against one bare <c>ffmpeg -f null</c> decode of the same file in the same run:
/// <c>video_job_vs_bare_decode</c>. A first job makes the default scene models (not timed: the trainer's once-per-node
/// work); the second is timed.
/// </summary>
internal static class VideoJob
{
    public static async Task MeasureAsync(string video, string work)
    {
        await using var node = await EmbeddedNode.StartAsync(Path.Combine(work, "node-data"));
        await RunAsync(node, video, Path.Combine(work, "job-warm-up"), "warm-up");
        var watch = Stopwatch.StartNew();
        var timed = await RunAsync(node, video, Path.Combine(work, "job"), "timed");
        var job = watch.Elapsed.TotalSeconds;

        watch.Restart();
        await BenchTools.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-i", video, "-f", "null", "-"]);
        var bare = watch.Elapsed.TotalSeconds;
        BenchTools.Print("video_job_scenes", timed.ScenesFound);
        BenchTools.Print("video_job_seconds", job);
        BenchTools.Print("baseline_bare_decode_seconds", bare);
        BenchTools.Print("video_job_vs_bare_decode", job / bare);
    }

    private static async Task<JobProgress> RunAsync(EmbeddedNode node, string video, string output, string id)
    {
        var end = await node.Jobs.RunAsync(new JobSpec { JobId = id, InputPath = video, OutputDir = output });
        return end.State == JobState.Completed
            ? end
            : throw new InvalidOperationException($"the {id} video job ended {end.State}: {end.Error}");
    }
}
