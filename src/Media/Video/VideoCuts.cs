using System.Globalization;
using System.Text;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Reports;

namespace MediaCluster.Media.Video;

/// <summary>One file cut from a video: which scene, its span, and whether its packets were copied or it was re-encoded (and why).</summary>
public sealed record VideoCut(string Name, int Scene, TimeSpan Start, TimeSpan End, bool Copied, string Note);

/// <summary>
/// Copies of a job's video made from its scenes with ffmpeg: the whole video with a chapter per scene (stream copy),
/// and a file per scene — stream copy when the scene starts and ends on keyframes, so the cut is frame-accurate
/// without decoding; re-encoded (H.264/AAC, accurate seek) otherwise, and the note says so. Every ffmpeg and ffprobe
/// run reads the input under <see cref="FfmpegInput.Guards"/> and is stopped past a deadline.
/// </summary>
public static class VideoCuts
{
    /// <summary>Keyframes read from one video at most (about 11 hours at one a second); past it the cuts are re-encoded.</summary>
    public const int MaxKeyframes = 40_000;

    /// <summary>The containers a copy keeps (they hold chapters and any codec their input held); any other becomes Matroska.</summary>
    private static readonly string[] s_kept = [".mp4", ".m4v", ".mov", ".mkv", ".webm"];

    /// <summary>The extension a copy of <paramref name="mediaPath"/> gets: its own when <see cref="s_kept"/> has it, else <c>.mkv</c>.</summary>
    public static string ExtensionFor(string mediaPath) =>
        Path.GetExtension(mediaPath).ToLowerInvariant() is var ext && s_kept.Contains(ext) ? ext : ".mkv";

    /// <summary>
    /// Writes <paramref name="output"/>: <paramref name="mediaPath"/>'s picture and sound streams copied (not decoded)
    /// with one chapter per scene, titled as <see cref="SceneEdits.Title"/>.
    /// </summary>
    public static async Task WriteChaptersAsync(string mediaPath, IReadOnlyList<Scene> scenes, string output, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var input = FfmpegInput.For(mediaPath);
        var metadata = Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.ffmetadata");
        await File.WriteAllTextAsync(metadata, FfMetadata(scenes), cancellationToken).ConfigureAwait(false);
        try
        {
            await AtomicFile.WriteWithAsync(output, temp => FfmpegRunner.RunAsync(
                "ffmpeg",
                "ffmpeg",
                [.. Guarded(input.Path), "-f", "ffmetadata", "-i", metadata, "-map", "0:v:0", "-map", "0:a?", "-map_metadata", "0", "-map_chapters", "1", "-c", "copy", temp],
                deadline,
                cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(metadata);
        }
    }

    /// <summary>
    /// Writes a file per scene into <paramref name="folder"/> (<c>scene-001.EXT</c> …) and says of each how it was cut.
    /// <paramref name="frameRate"/> (frames a second) sets the tolerance: a scene boundary within half a frame of a
    /// keyframe is on it.
    /// </summary>
    public static async Task<IReadOnlyList<VideoCut>> SplitAsync(
        string mediaPath, IReadOnlyList<Scene> scenes, double frameRate, string folder, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var input = FfmpegInput.For(mediaPath);
        var keyframes = await KeyframesAsync(input.Path, deadline, cancellationToken).ConfigureAwait(false);
        var frame = 1 / (double.IsFinite(frameRate) && frameRate is > 0 and <= 1000 ? frameRate : SceneEdits.DefaultFrameRate);
        var extension = ExtensionFor(mediaPath);
        Directory.CreateDirectory(folder);
        var cuts = new List<VideoCut>();
        for (var i = 0; i < scenes.Count; i++)
        {
            var scene = scenes[i];
            var name = string.Create(CultureInfo.InvariantCulture, $"scene-{scene.Index + 1:000}{extension}");
            var start = KeyframeAt(keyframes, scene.Start.TotalSeconds, frame);
            var last = i == scenes.Count - 1;
            var end = last ? null : KeyframeAt(keyframes, scene.End.TotalSeconds, frame);
            string[] arguments;
            string note;
            if (start is { } from && (last || end is not null))
            {
                // On keyframes: copy the packets from the keyframe up to half a frame before the next scene's.
                var duration = last ? null : Seconds(scene.End.TotalSeconds - from - frame / 2);
                arguments = [.. Guarded(input.Path, "-ss", Seconds(from)), .. duration is null ? Array.Empty<string>() : ["-t", duration],
                    "-map", "0:v:0", "-map", "0:a?", "-c", "copy", "-avoid_negative_ts", "make_zero"];
                note = "stream copy (the scene starts on a keyframe" + (last ? ")" : " and ends on one)");
            }
            else
            {
                var from2 = Math.Max(0, scene.Start.TotalSeconds - frame / 4);
                arguments = [.. Guarded(input.Path, "-ss", Seconds(from2)), .. last ? Array.Empty<string>() : ["-t", Seconds(scene.End.TotalSeconds - from2 - frame / 4)],
                    "-map", "0:v:0", "-map", "0:a?", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac"];
                note = "re-encoded: " + Between(keyframes, start is null ? scene.Start.TotalSeconds : scene.End.TotalSeconds, start is null ? "starts" : "ends");
            }

            await AtomicFile.WriteWithAsync(Path.Combine(folder, name), temp => FfmpegRunner.RunAsync("ffmpeg", "ffmpeg", [.. arguments, temp], deadline, cancellationToken)).ConfigureAwait(false);
            cuts.Add(new VideoCut(name, scene.Index, scene.Start, scene.End, note.StartsWith("stream", StringComparison.Ordinal), note));
        }

        return cuts;
    }

    /// <summary>The times (seconds) of the first picture stream's keyframes, in order, read from its packets (no decoding).</summary>
    public static async Task<IReadOnlyList<double>> KeyframesAsync(string path, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var keyframes = new List<double>();
        await FfmpegRunner.RunAsync(
            "ffprobe",
            "ffprobe",
            [.. FfmpegInput.Guards.Split(' '), "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", path],
            deadline,
            cancellationToken,
            line =>
            {
                // "0.040000,K__" — a packet's time and flags; "N/A" times are skipped.
                if (keyframes.Count < MaxKeyframes && line.Split(',') is [var time, var flags, ..] && flags.Contains('K', StringComparison.Ordinal)
                    && double.TryParse(time, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
                {
                    keyframes.Add(seconds);
                }
            }).ConfigureAwait(false);
        keyframes.Sort();
        return keyframes;
    }

    /// <summary>A chapter per scene in ffmpeg's metadata format (times in milliseconds; '=', ';', '#', '\' and line ends escaped).</summary>
    public static string FfMetadata(IReadOnlyList<Scene> scenes)
    {
        var text = new StringBuilder(";FFMETADATA1\n");
        foreach (var scene in scenes)
        {
            var title = new StringBuilder();
            foreach (var c in SceneEdits.Title(scene))
            {
                title.Append(c is '=' or ';' or '#' or '\\' or '\n' ? "\\" + c : char.IsControl(c) ? string.Empty : c.ToString());
            }

            text.Append(CultureInfo.InvariantCulture, $"[CHAPTER]\nTIMEBASE=1/1000\nSTART={(long)Math.Round(scene.Start.TotalMilliseconds)}\nEND={(long)Math.Round(scene.End.TotalMilliseconds)}\ntitle={title}\n");
        }

        return text.ToString();
    }

    private static double? KeyframeAt(IReadOnlyList<double> keyframes, double seconds, double frame)
    {
        var nearest = keyframes.Count == 0 ? double.NaN : keyframes.MinBy(k => Math.Abs(k - seconds));
        return Math.Abs(nearest - seconds) < frame / 2 ? nearest : null;
    }

    private static string Between(IReadOnlyList<double> keyframes, double seconds, string what)
    {
        var before = keyframes.LastOrDefault(k => k <= seconds, double.NaN);
        var after = keyframes.FirstOrDefault(k => k > seconds, double.NaN);
        return string.Create(CultureInfo.InvariantCulture, $"the scene {what} at {seconds:0.000} s, ") + (keyframes.Count == 0
            ? "and no keyframe could be read"
            : string.Create(CultureInfo.InvariantCulture, $"between keyframes at {(double.IsNaN(before) ? "-" : before.ToString("0.000", CultureInfo.InvariantCulture))} s and {(double.IsNaN(after) ? "the end" : after.ToString("0.000", CultureInfo.InvariantCulture) + " s")}"));
    }

    private static string Seconds(double seconds) => Math.Max(0, seconds).ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>The input's options then the input: <see cref="FfmpegInput.Guards"/>, <paramref name="options"/>, <c>-i PATH</c>.</summary>
    private static string[] Guarded(string path, params string[] options) => [.. FfmpegInput.Guards.Split(' '), .. options, "-i", path];
}
