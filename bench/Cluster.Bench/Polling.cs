using MediaCluster.Media.Reports;

namespace MediaCluster.Bench;

/// <summary>What the cluster bench asks of its nodes while they fail and recover: a job from any live node, what still runs, a condition within a bound.</summary>
internal static class Polling
{
    /// <summary>A job as the first live node (other than `except`) that answers shows it.</summary>
    // (other than `except`) that answers shows it.
    public static async Task<System.Text.Json.JsonElement?> JobFromAnyAsync(LocalCluster cluster, string id, int except, TimeSpan? timeout = null)
    {
        foreach (var node in cluster.Nodes.Where((n, i) => i != except && !n.HasExited))
        {
            try
            {
                return await node.JobAsync(id, timeout);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
        }

        throw new InvalidOperationException("no node answers");
    }

    /// <summary>Jobs not yet ended and the node holding each, as any reachable node sees them.</summary>
    // and the node holding each, as any reachable node sees them.
    public static async Task<List<(string Id, string? Node)>> RunningAsync(LocalCluster cluster, IEnumerable<string> ids)
    {
        foreach (var node in cluster.Nodes.Where(n => !n.HasExited))
        {
            try
            {
                var running = new List<(string, string?)>();
                foreach (var id in ids)
                {
                    var job = await node.JobAsync(id);
                    var state = job?.GetProperty("state").GetString();
                    if (state is null or "new" or "running")
                    {
                        running.Add((id, job?.TryGetProperty("node", out var at) == true ? at.GetString() : null));
                    }
                }

                return running;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
        }

        throw new InvalidOperationException("no node answers");
    }

    public static bool SameOutputs(Dictionary<string, string> reference, Dictionary<string, string> other, string file) =>
        reference.TryGetValue(file, out var a) && other.TryGetValue(file, out var b)
        && new[] { JobOutput.TranscriptText.Name, JobOutput.Subtitles.Name, JobOutput.VoiceActivity.Name }.All(name => File.ReadAllText(Path.Combine(a, name)) == File.ReadAllText(Path.Combine(b, name)));

    public static double Median(List<double> values) => values.Count == 0 ? 0 : values.Order().ElementAt(values.Count / 2);

    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not within {bound.TotalMinutes:0} min");
            }

            await Task.Delay(250);
        }
    }
}
