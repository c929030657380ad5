using System.Diagnostics;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>
/// Runs ffmpeg or ffprobe with arguments of the caller's own: samples for demos, tests and benchmarks (lavfi sources,
/// filter graphs, encoders FFMpegCore has no typed call for), and a job's video cut at its scenes
/// (<see cref="Video.VideoCuts"/>, whose inputs carry <see cref="FfmpegInput.Guards"/>). Arguments go through
/// <see cref="ProcessStartInfo.ArgumentList"/>, never a shell or one command line. Decoding media people submit is
/// FFMpegCore's job (<see cref="MediaProbe"/>, <see cref="AudioDecoder"/>, <see cref="FrameSampler"/>, <see cref="Video.VideoScan"/>).
/// </summary>
public static class FfmpegRunner
{
    /// <summary>
    /// Runs <c>ffmpeg -nostdin -hide_banner -loglevel error -y ARGUMENTS</c>; a non-zero exit becomes a <see cref="MediaException"/>
    /// quoting the command and ffmpeg. Cancelling kills it.
    /// </summary>
    public static Task RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        return RunAsync("ffmpeg", $"ffmpeg {string.Join(' ', list)}", list, Timeout.InfiniteTimeSpan, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="tool"/> (ffmpeg or ffprobe, quiet: errors only), each line of its output to
    /// <paramref name="onLine"/> (at most 1 000 characters of it); a non-zero exit is a <see cref="MediaException"/>
    /// naming <paramref name="what"/> and quoting its last error lines (10 kept), a run past <paramref name="deadline"/>
    /// is killed and said to be. Cancelling kills it.
    /// </summary>
    public static async Task RunAsync(
        string tool, string what, IEnumerable<string> arguments, TimeSpan deadline, CancellationToken cancellationToken, Action<string>? onLine = null)
    {
        var info = new ProcessStartInfo(Path.Combine(Ffmpeg.Options().BinaryFolder, tool))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-hide_banner", "-loglevel", "error" }.Concat(tool == "ffmpeg" ? ["-nostdin", "-y"] : []).Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(deadline);
        using var process = Process.Start(info) ?? throw new MediaException(MediaErrorKind.ToolMissing, $"{tool} could not be started.");
        process.StandardInput.Close();
        await using var kill = stop.Token.Register(() => process.Kill(entireProcessTree: true));
        var errors = new Queue<string>();
        var readErrors = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                errors.Enqueue(line.Length > 300 ? line[..300] : line);
                if (errors.Count > 10)
                {
                    errors.Dequeue();
                }
            }
        }, CancellationToken.None);
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            onLine?.Invoke(line.Length > 1000 ? line[..1000] : line);
        }

        await readErrors.ConfigureAwait(false);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (stop.IsCancellationRequested)
        {
            throw new MediaException(MediaErrorKind.TimedOut, $"{tool} did not finish within {deadline.TotalSeconds:0} s, so it was stopped");
        }

        if (process.ExitCode != 0)
        {
            throw new MediaException(MediaErrorKind.ToolFailed, $"{what} failed: {Ffmpeg.Explain(errors)}");
        }
    }
}
