using System.Globalization;
using FFMpegCore;

namespace MediaCluster.Media.Ffmpeg;

/// <summary>A detected cut: where the new shot starts and how different it is from the frame before (0–1).</summary>
public sealed record SceneCut(TimeSpan Time, double Score);

/// <summary>
/// Scene cuts from ffmpeg's scene-change score: FFMpegCore has no typed API for it, so the <c>select</c> filter with
/// <c>metadata=print</c> to stdout, read line by line.
/// </summary>
public static class SceneDetector
{
    /// <summary>Every frame whose scene score exceeds <paramref name="threshold"/>, in time order.</summary>
    public static async Task<IReadOnlyList<SceneCut>> DetectAsync(string path, double threshold = 0.3, CancellationToken cancellationToken = default)
    {
        using var input = FfmpegInput.For(path);
        var info = MediaProbe.WithVideo(await MediaProbe.ProbeAsync(path, input, cancellationToken).ConfigureAwait(false));
        // Scored on frames downscaled to 320 wide (fast bilinear: decoding dominates; bench scenes measures it).
        var filter = string.Create(CultureInfo.InvariantCulture, $"scale=320:-2:flags=fast_bilinear,select='gt(scene,{threshold})',metadata=print:file=-");
        var cuts = new List<SceneCut>();
        double? time = null;
        var (exitCode, errors) = await FfmpegJob.RunAsync(
            input.Arguments().OutputToNull(o => o.WithCustomArgument($"-map 0:v:0 -an -vf {filter}")),
            path,
            cancellationToken,
            line =>
            {
                // metadata=print writes "frame:N pts:N pts_time:T", then the frame's metadata as key=value lines — the
                // input's own tags among them (a PNG comment, say), so only those two shapes are read, and only numbers.
                if (line.StartsWith("frame:", StringComparison.Ordinal))
                {
                    var at = line.IndexOf("pts_time:", StringComparison.Ordinal);
                    time = at >= 0 && double.TryParse(line.AsSpan(at + 9).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && double.IsFinite(t) && t >= 0
                        ? t
                        : null;
                }
                else if (line.StartsWith("lavfi.scene_score=", StringComparison.Ordinal) && time is { } at
                    && double.TryParse(line.AsSpan(18), NumberStyles.Float, CultureInfo.InvariantCulture, out var score) && double.IsFinite(score))
                {
                    cuts.Add(new SceneCut(TimeSpan.FromSeconds(at), score));
                    time = null;
                }
            },
            FfmpegJob.DeadlineFor(info.Duration)).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffmpeg could not scan '{path}' for scene cuts: {Ffmpeg.Explain(errors)}");
        }

        return cuts;
    }
}
