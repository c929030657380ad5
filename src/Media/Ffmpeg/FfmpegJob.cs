using FFMpegCore;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>
/// Runs one FFMpegCore command over a checked input: ffmpeg's stderr kept (its last lines) for the error message, the
/// process killed when the caller cancels, and the exit code given back rather than thrown, so each caller says in its
/// own words what failed.
/// </summary>
internal static class FfmpegJob
{
    private const int StderrTailLines = 20;

    /// <summary>Runs <paramref name="processor"/>; returns ffmpeg's exit code and its last stderr lines.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Errors)> RunAsync(
        FFMpegArgumentProcessor processor, CancellationToken cancellationToken, Action<string>? onOutput = null)
    {
        var tail = new Queue<string>();
        processor = processor
            .NotifyOnStandardError(line =>
            {
                if (line.Length == 0)
                {
                    return;
                }

                lock (tail)
                {
                    tail.Enqueue(line.Length > 500 ? line[..500] : line);
                    if (tail.Count > StderrTailLines)
                    {
                        tail.Dequeue();
                    }
                }
            })
            .CancellableThrough(cancellationToken, TimeSpan.Zero);
        if (onOutput is not null)
        {
            processor = processor.NotifyOnStandardOutput(onOutput);
        }

        var result = await processor.ProcessAsynchronously(throwOnError: false, Ffmpeg.Options()).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        lock (tail)
        {
            return (result.ExitCode, tail.ToList());
        }
    }
}
