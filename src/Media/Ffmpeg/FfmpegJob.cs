using FFMpegCore;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>
/// Runs one FFMpegCore command over a checked input: ffmpeg's stderr kept (its last lines) for the error message, the
/// process killed when the caller cancels or the deadline passes, and the exit code given back rather than thrown, so
/// each caller says in its own words what failed. FFMpegCore calls the output handlers on its own reader threads, where
/// an exception would end the process: a handler that throws stops ffmpeg and becomes a <see cref="MediaException"/>
/// naming the input.
/// </summary>
public static class FfmpegJob
{
    private const int StderrTailLines = 20;

    /// <summary>
    /// Runs <paramref name="processor"/> over <paramref name="input"/>; returns ffmpeg's exit code and its last stderr
    /// lines. Past <paramref name="deadline"/> (when given) ffmpeg is killed and a <see cref="MediaException"/> says so.
    /// </summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Errors)> RunAsync(
        FFMpegArgumentProcessor processor, string input, CancellationToken cancellationToken, Action<string>? onOutput = null, TimeSpan? deadline = null)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (deadline is { } limit)
        {
            stop.CancelAfter(limit);
        }

        var run = new Watched(stop, onOutput);
        processor = processor.NotifyOnStandardError(run.OnError).CancellableThrough(stop.Token, TimeSpan.Zero);
        if (onOutput is not null)
        {
            processor = processor.NotifyOnStandardOutput(run.OnOutput);
        }

        var result = await processor.ProcessAsynchronously(throwOnError: false, Ffmpeg.Options()).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (run.HandlerFailure is { } failure)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffmpeg's output for '{input}' could not be read ({failure.Message})", failure);
        }

        if (stop.IsCancellationRequested)
        {
            throw new MediaException(
                MediaErrorKind.TimedOut,
                $"ffmpeg did not finish with '{input}' within {deadline.GetValueOrDefault().TotalSeconds:0} s, so it was stopped");
        }

        return (result.ExitCode, run.ErrorTail());
    }

    /// <summary>A deadline for reading media of <paramref name="duration"/>: a minute, plus twice its length.</summary>
    public static TimeSpan DeadlineFor(TimeSpan? duration) => TimeSpan.FromMinutes(1) + 2 * (duration ?? TimeSpan.Zero);

    /// <summary>What FFMpegCore's reader threads hand one run: stderr's last lines, and stdout for the caller's handler, guarded.</summary>
    private sealed class Watched(CancellationTokenSource stop, Action<string>? onOutput)
    {
        private readonly Queue<string> _tail = new();
        private Exception? _handlerFailure;

        public Exception? HandlerFailure => Volatile.Read(ref _handlerFailure);

        public void OnError(string line)
        {
            if (line.Length == 0)
            {
                return;
            }

            lock (_tail)
            {
                _tail.Enqueue(line.Length > 500 ? line[..500] : line);
                if (_tail.Count > StderrTailLines)
                {
                    _tail.Dequeue();
                }
            }
        }

        /// <summary>The caller's handler; one that throws stops ffmpeg (an exception here would end the process).</summary>
        public void OnOutput(string line)
        {
            if (HandlerFailure is not null)
            {
                return;
            }

            try
            {
                onOutput!(line);
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _handlerFailure, ex);
                Stop();
            }
        }

        public IReadOnlyList<string> ErrorTail()
        {
            lock (_tail)
            {
                return [.. _tail];
            }
        }

        private void Stop()
        {
            try
            {
                stop.Cancel();
            }
            catch (AggregateException)
            {
                // FFMpegCore's kill threw (the process was already gone): ffmpeg is stopping either way.
            }
        }
    }
}
