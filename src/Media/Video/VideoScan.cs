using System.Globalization;
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
        var pass = new Pass(new SceneAssembler(duration, options, plan), FrameSampler.HeightFor(path, info.Video!, SceneFinder.MotionWidth), onScene, cancellationToken);

        // Not the token FFMpegCore passes the sink: it cancels it as soon as ffmpeg exits, with frames still in the pipe.
        var (exitCode, errors) = await FfmpegJob.RunAsync(
            input.Arguments().OutputToPipe(
                new StreamPipeSink((pipe, _) => pass.ReadFramesAsync(pipe)) { Format = "rawvideo" },
                o => o.WithCustomArgument($"-filter_complex {pass.Graph} -map [frames] -an -sn")),
            path,
            cancellationToken,
            pass.ReadLine,
            FfmpegJob.DeadlineFor(duration)).ConfigureAwait(false);
        if (exitCode != 0 || pass.Frames == 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ffmpeg could not read the pictures of '{path}': {Ffmpeg.Ffmpeg.Explain(errors)}");
        }

        return await pass.FinishAsync().ConfigureAwait(false);
    }

    /// <summary>One pass's two readers (frames from the pipe, scores from stdout, on FFMpegCore's threads) over one assembler.</summary>
    private sealed class Pass(SceneAssembler assembler, int height, Func<SceneFrames, Task> onScene, CancellationToken cancellationToken)
    {
        private const int Width = SceneFinder.MotionWidth;
        private double? _time;

        /// <summary>Frames read so far.</summary>
        public int Frames { get; private set; }

        /// <summary>Timestamps from 0 on both branches; the scores at full frame rate, the frames resampled.</summary>
        public string Graph => string.Create(
            CultureInfo.InvariantCulture,
            $"[0:v:0]setpts=PTS-STARTPTS,split[s][f];[s]scale=320:-2:flags=fast_bilinear,select='gte(scene,0)',metadata=print:key=lavfi.scene_score:file=-,nullsink;[f]fps={FrameSampler.SampleRate},scale={Width}:{height}:flags=area,format=rgb24[frames]");

        public async Task ReadFramesAsync(Stream pipe)
        {
            var bytes = Width * height * 3;
            var rgb = new byte[bytes];
            while (await pipe.ReadAtLeastAsync(rgb, bytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) == bytes)
            {
                var frame = new VideoFrame(TimeSpan.FromSeconds(Frames++ / (double)FrameSampler.SampleRate), Width, height, rgb);
                await HandOnAsync(() => assembler.Frame(frame)).ConfigureAwait(false);
                rgb = new byte[bytes];
            }
        }

        /// <summary>
        /// A line of <c>metadata=print</c>: "frame:N pts:N pts_time:T", then the frame's metadata as key=value lines — the
        /// input's own tags among them (a PNG comment, say), so only those two shapes are read, and only numbers.
        /// </summary>
        public void ReadLine(string line)
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
                lock (assembler)
                {
                    assembler.Score(TimeSpan.FromSeconds(time), score);
                }
            }
        }

        /// <summary>The pass has ended: the scenes still open handed on; every scene, in order.</summary>
        public async Task<IReadOnlyList<SceneSpan>> FinishAsync()
        {
            await HandOnAsync(assembler.Finish).ConfigureAwait(false);
            return assembler.Scenes;
        }

        private async Task HandOnAsync(Func<IReadOnlyList<SceneFrames>> step)
        {
            IReadOnlyList<SceneFrames> closed;
            lock (assembler)
            {
                closed = step();
            }

            foreach (var scene in closed)
            {
                await onScene(scene).ConfigureAwait(false);
            }
        }
    }
}
