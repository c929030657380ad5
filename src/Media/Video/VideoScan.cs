using System.Globalization;
using FFMpegCore;
using FFMpegCore.Pipes;
using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Video;

/// <summary>
/// A video read once for all its scene work: one ffmpeg pass gives every picture's scene score (on frames downscaled to
/// 320 wide, fast bilinear — decoding dominates) on stdout, and frames <see cref="SceneFinder.MotionWidth"/> wide,
/// <see cref="FrameSampler.SampleRate"/> a second, on a pipe; <see cref="SceneAssembler"/> makes scenes of them as they
/// come, and each scene with its frames goes to the caller (who keeps them for the classifiers and the thumbnails).
/// FFMpegCore has no typed API for the score, so the <c>select</c> filter with <c>metadata=print</c>, read line by line.
/// </summary>
public static class VideoScan
{
    /// <summary>
    /// Reads <paramref name="path"/> (of <paramref name="duration"/>) once: its scenes, each handed to
    /// <paramref name="onScene"/> with its frames as soon as the cut after it is read. With <paramref name="plan"/> (the
    /// scenes recorded by an earlier pass) those scenes are used instead of the cuts found.
    /// </summary>
    public static async Task<IReadOnlyList<SceneSpan>> RunAsync(
        string path, TimeSpan duration, SceneOptions options, Func<SceneFrames, Task> onScene, IReadOnlyList<SceneSpan>? plan = null, CancellationToken cancellationToken = default)
    {
        options = options.Validated();
        if (duration <= TimeSpan.Zero)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffprobe gives '{path}' no duration, so its scenes cannot be planned");
        }

        using var input = FfmpegInput.For(path);
        var info = MediaProbe.WithVideo(await MediaProbe.ProbeAsync(path, input, cancellationToken).ConfigureAwait(false));
        var width = SceneFinder.MotionWidth;
        var height = FrameSampler.HeightFor(path, info.Video!, width);
        var assembler = new SceneAssembler(duration, options, plan);
        var scores = new ScoreLines();
        var frames = 0;

        async Task ReadAsync(Stream pipe)
        {
            var bytes = width * height * 3;
            var rgb = new byte[bytes];
            while (await pipe.ReadAtLeastAsync(rgb, bytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == bytes)
            {
                IReadOnlyList<SceneFrames> closed;
                lock (assembler)
                {
                    closed = assembler.Frame(new VideoFrame(TimeSpan.FromSeconds(frames++ / (double)FrameSampler.SampleRate), width, height, rgb));
                }

                foreach (var scene in closed)
                {
                    await onScene(scene).ConfigureAwait(false);
                }

                rgb = new byte[bytes];
            }
        }

        // Timestamps from 0 on both branches; the scores at full frame rate, the frames resampled.
        var graph = string.Create(
            CultureInfo.InvariantCulture,
            $"[0:v:0]setpts=PTS-STARTPTS,split[s][f];[s]scale=320:-2:flags=fast_bilinear,select='gte(scene,0)',metadata=print:key=lavfi.scene_score:file=-,nullsink;[f]fps={FrameSampler.SampleRate},scale={width}:{height}:flags=area,format=rgb24[frames]");
        // Not the token FFMpegCore passes the sink: it cancels it as soon as ffmpeg exits, with frames still in the pipe.
        var (exitCode, errors) = await FfmpegJob.RunAsync(
            input.Arguments().OutputToPipe(
                new StreamPipeSink((pipe, _) => ReadAsync(pipe)) { Format = "rawvideo" },
                o => o.WithCustomArgument($"-filter_complex {graph} -map [frames] -an -sn")),
            path,
            cancellationToken,
            line =>
            {
                if (scores.Read(line) is { } score)
                {
                    lock (assembler)
                    {
                        assembler.Score(score.Time, score.Value);
                    }
                }
            },
            FfmpegJob.DeadlineFor(duration)).ConfigureAwait(false);
        if (exitCode != 0 || frames == 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffmpeg could not read the pictures of '{path}': {Ffmpeg.Ffmpeg.Explain(errors)}");
        }

        IReadOnlyList<SceneFrames> last;
        lock (assembler)
        {
            last = assembler.Finish();
        }

        foreach (var scene in last)
        {
            await onScene(scene).ConfigureAwait(false);
        }

        return assembler.Scenes;
    }

    /// <summary>
    /// Reads <c>metadata=print</c>'s lines: "frame:N pts:N pts_time:T", then the frame's metadata as key=value lines — the
    /// input's own tags among them (a PNG comment, say), so only those two shapes are read, and only numbers.
    /// </summary>
    private sealed class ScoreLines
    {
        private double? _time;

        public (TimeSpan Time, double Value)? Read(string line)
        {
            if (line.StartsWith("frame:", StringComparison.Ordinal))
            {
                var at = line.IndexOf("pts_time:", StringComparison.Ordinal);
                _time = at >= 0 && double.TryParse(line.AsSpan(at + 9).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && double.IsFinite(t) && t >= 0
                    ? t
                    : null;
            }
            else if (line.StartsWith("lavfi.scene_score=", StringComparison.Ordinal) && _time is { } time
                && double.TryParse(line.AsSpan(18), NumberStyles.Float, CultureInfo.InvariantCulture, out var score) && double.IsFinite(score))
            {
                _time = null;
                return (TimeSpan.FromSeconds(time), score);
            }

            return null;
        }
    }
}
