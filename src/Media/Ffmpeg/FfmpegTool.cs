using System.Diagnostics;
using System.Text;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>
/// Runs ffmpeg or ffprobe: arguments through <see cref="ProcessStartInfo.ArgumentList"/> (never a shell),
/// stdin closed, stderr drained concurrently into a bounded tail for error messages, and the process
/// killed when the caller cancels.
/// </summary>
internal sealed class FfmpegTool : IAsyncDisposable
{
    private const int StderrTailLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _stderrTail = new();
    private readonly Task _stderrPump;
    private readonly CancellationTokenRegistration _cancel;

    private FfmpegTool(Process process, CancellationToken cancellationToken)
    {
        _process = process;
        _stderrPump = PumpStderrAsync();
        _cancel = cancellationToken.Register(Kill);
    }

    /// <summary>The tool's standard output as raw bytes.</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>Starts <paramref name="tool"/> ("ffmpeg" or "ffprobe") with <paramref name="arguments"/>.</summary>
    public static FfmpegTool Start(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Locate(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new MediaException(MediaErrorKind.ToolMissing, $"{tool} could not be started.");
        process.StandardInput.Close();
        return new FfmpegTool(process, cancellationToken);
    }

    /// <summary>The absolute path of the tool, or a <see cref="MediaException"/> saying how to install it.</summary>
    public static string Locate(string tool)
    {
        var directory = Environment.GetEnvironmentVariable("MC_FFMPEG_DIR");
        var candidates = string.IsNullOrEmpty(directory)
            ? (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            : [directory];
        foreach (var candidate in candidates)
        {
            var path = System.IO.Path.Combine(candidate, tool);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new MediaException(MediaErrorKind.ToolMissing, $"{tool} is not installed (not found on PATH); install the Debian package 'ffmpeg' (./mc setup).");
    }

    /// <summary>Waits for exit; returns the exit code and the last lines ffmpeg wrote to stderr.</summary>
    public async Task<(int ExitCode, string Errors)> WaitAsync()
    {
        await _process.WaitForExitAsync();
        await _stderrPump;
        lock (_stderrTail)
        {
            return (_process.ExitCode, string.Join("\n", _stderrTail));
        }
    }

    /// <summary>The stderr lines seen so far.</summary>
    public string ErrorsSoFar()
    {
        lock (_stderrTail)
        {
            return string.Join("\n", _stderrTail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.DisposeAsync();
        Kill();
        try
        {
            await _process.WaitForExitAsync();
            await _stderrPump;
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private async Task PumpStderrAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            lock (_stderrTail)
            {
                _stderrTail.Enqueue(line.Length > 500 ? line[..500] : line);
                if (_stderrTail.Count > StderrTailLines)
                {
                    _stderrTail.Dequeue();
                }
            }
        }
    }
}
