using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Node.Jobs;

/// <summary>
/// Keeps DataDirectory/uploads to what a job still needs: at start and every hour, an upload folder (named by its job
/// id) goes when its job failed more than Node:Jobs:KeepFailedInputsHours ago (kept until then for <c>pbm media
/// retry</c>), ended otherwise, or was never registered and is over an hour old (a crash between storing and
/// registering). A folder whose job cannot be looked up now (the journal away) stays until the next sweep: nothing is
/// deleted because of a transient fault.
/// </summary>
internal sealed class UploadSweep(IServiceProvider services, NodeOptions options, ILogger<UploadSweep> log) : BackgroundService
{
    // Resolved once the host has started the actor system (hosted services are all made before any starts).
    private JobsGateway Jobs => services.GetRequiredService<JobsGateway>();

    private ClusterGateway Cluster => services.GetRequiredService<ClusterGateway>();

    private static readonly TimeSpan s_every = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Cluster.WhenUpAsync(stoppingToken);
            using var timer = new PeriodicTimer(s_every);
            do
            {
                await SweepAsync(DateTimeOffset.UtcNow, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass over the uploads folder.</summary>
    private async Task SweepAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (!Directory.Exists(options.UploadsRoot))
        {
            return;
        }

        var keepFailed = TimeSpan.FromHours(options.Jobs.KeepFailedInputsHours);
        foreach (var folder in Directory.EnumerateDirectories(options.UploadsRoot))
        {
            var id = Path.GetFileName(folder);
            JobProgress? job;
            try
            {
                job = await Jobs.FindAsync(id, ct);
            }
            catch (Exception ex) when (Actors.Hosting.ServiceUnavailableException.IsCause(ex))
            {
                log.LogWarning("Uploads sweep stopped at {Folder}: jobs cannot be looked up now ({Reason}); it tries again in an hour", folder, ex.Message);
                return;
            }

            // A live session still recording appends to its file: the newest write counts.
            var age = now - Directory.EnumerateFiles(folder).Select(File.GetLastWriteTimeUtc).Append(Directory.GetLastWriteTimeUtc(folder)).Max();
            var ended = job is { EndedUnixMs: > 0 } ? now - DateTimeOffset.FromUnixTimeMilliseconds(job.EndedUnixMs) : TimeSpan.Zero;
            var why = job switch
            {
                null when age > TimeSpan.FromHours(1) => "no job was ever registered for it",
                { State: JobState.Failed } when ended > keepFailed => $"its job failed {ended.TotalHours:0} h ago (Node:Jobs:KeepFailedInputsHours is {options.Jobs.KeepFailedInputsHours:0.#})",
                { State: JobState.Completed or JobState.Cancelled } => $"its job {Messages.Api.JobInfo.StateName(job.State)}",
                _ => null,
            };
            if (job is { State: JobState.New } && age > TimeSpan.FromHours(1))
            {
                log.LogWarning("The upload {Folder} belongs to job {Id}, registered but never started: it is kept", folder, id);
            }

            if (why is null)
            {
                continue;
            }

            try
            {
                UploadStore.Delete(folder);
                log.LogInformation("Removed the upload {Folder}: {Why}", folder, why);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.LogWarning("Could not remove the upload {Folder} ({Why}): {Reason}", folder, why, ex.Message);
            }
        }
    }
}
