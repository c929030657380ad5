using System.Globalization;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>A detected cut: where the new shot starts and how different it is from the frame before (0–1).</summary>
public sealed record SceneCut(TimeSpan Time, double Score);

/// <summary>Scene cuts from ffmpeg's scene-change score (the <c>select</c> filter with <c>metadata=print</c>).</summary>
public static class SceneDetector
{
    /// <summary>Every frame whose scene score exceeds <paramref name="threshold"/>, in time order.</summary>
    public static async Task<IReadOnlyList<SceneCut>> DetectAsync(string path, double threshold = 0.3, CancellationToken cancellationToken = default)
    {
        var info = await MediaProbe.ProbeAsync(path, cancellationToken).ConfigureAwait(false);
        if (info.Video is null)
        {
            throw new MediaException(MediaErrorKind.MissingStream, $"ffprobe found no video stream in '{path}' (streams: {info.StreamSummary}).");
        }

        var full = System.IO.Path.GetFullPath(path);
        var filter = string.Create(CultureInfo.InvariantCulture, $"select='gt(scene,{threshold})',metadata=print:file=-");
        await using var tool = FfmpegTool.Start(
            "ffmpeg",
            ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", MediaInput.ForFfmpeg(full), "-map", "0:v:0", "-an", "-vf", filter, "-f", "null", "-"],
            cancellationToken);
        var cuts = new List<SceneCut>();
        using var reader = new StreamReader(tool.Output);
        double? time = null;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            var at = line.IndexOf("pts_time:", StringComparison.Ordinal);
            if (at >= 0)
            {
                time = double.Parse(line[(at + 9)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("lavfi.scene_score=", StringComparison.Ordinal) && time is { } t)
            {
                cuts.Add(new SceneCut(TimeSpan.FromSeconds(t), double.Parse(line[18..], CultureInfo.InvariantCulture)));
                time = null;
            }
        }

        var (exitCode, errors) = await tool.WaitAsync().ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffmpeg could not scan '{path}' for scene cuts: {MediaInput.Explain(errors)}");
        }

        return cuts;
    }
}
