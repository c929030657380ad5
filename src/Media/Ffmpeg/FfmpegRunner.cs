namespace MediaCluster.Media.Ffmpeg;

/// <summary>Runs ffmpeg for a job whose output is a file (making samples, converting for a baseline).</summary>
public static class FfmpegRunner
{
    /// <summary>
    /// Runs <c>ffmpeg -nostdin -loglevel error -y ARGUMENTS</c>; a non-zero exit becomes a <see cref="MediaException"/>
    /// quoting ffmpeg. Paths in <paramref name="arguments"/> are passed as they are (no shell).
    /// </summary>
    public static async Task RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var all = new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-y" }.Concat(arguments).ToList();
        await using var tool = FfmpegTool.Start("ffmpeg", all, cancellationToken);
        await tool.Output.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        var (exitCode, errors) = await tool.WaitAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (exitCode != 0)
        {
            throw new MediaException(MediaErrorKind.ToolFailed, $"ffmpeg {string.Join(' ', arguments)} failed: {MediaInput.Explain(errors)}");
        }
    }
}
