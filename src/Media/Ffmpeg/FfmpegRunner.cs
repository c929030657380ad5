using System.Diagnostics;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>
/// Runs ffmpeg with arguments of the caller's own to make a file: samples for demos, tests and benchmarks (lavfi
/// sources, filter graphs, encoders FFMpegCore has no typed call for). Arguments go through
/// <see cref="ProcessStartInfo.ArgumentList"/>, never a shell or one command line. Reading media people submit is
/// FFMpegCore's job (<see cref="MediaProbe"/>, <see cref="AudioDecoder"/>, <see cref="FrameSampler"/>, <see cref="Video.VideoScan"/>).
/// </summary>
public static class FfmpegRunner
{
    /// <summary>
    /// Runs <c>ffmpeg -nostdin -loglevel error -y ARGUMENTS</c>; a non-zero exit becomes a <see cref="MediaException"/>
    /// quoting ffmpeg. Cancelling kills it.
    /// </summary>
    public static async Task RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        var info = new ProcessStartInfo(Path.Combine(Ffmpeg.Options().BinaryFolder, "ffmpeg"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y" }.Concat(list))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new MediaException(MediaErrorKind.ToolMissing, "ffmpeg could not be started.");
        await using var kill = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        var output = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
        var errors = await process.StandardError.ReadToEndAsync(CancellationToken.None).ConfigureAwait(false);
        await output.ConfigureAwait(false);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            throw new MediaException(MediaErrorKind.ToolFailed, $"ffmpeg {string.Join(' ', list)} failed: {Ffmpeg.Explain(errors.Split('\n'))}");
        }
    }
}
