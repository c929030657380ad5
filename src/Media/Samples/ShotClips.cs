using System.Globalization;
using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Samples;

/// <summary>The camera movements a shot is labelled with (the MovieShots movement set).</summary>
public static class ShotMovement
{
    public const string Static = "static";
    public const string Motion = "motion";
    public const string Push = "push";
    public const string Pull = "pull";

    public static readonly string[] Labels = [Static, Motion, Push, Pull];
}

/// <summary>A generated clip and what the camera does in it.</summary>
public sealed record ShotClip(string Path, string Movement, TimeSpan Duration);

/// <summary>
/// Labelled synthetic shots made by ffmpeg: a still picture (a test pattern, gradients, a fractal, a cellular
/// automaton, Conway's life, a noise texture — varied by seed and hue) filmed by a virtual camera with
/// <c>zoompan</c>: held still, panned or tilted (the crop moves), pushed in or pulled out (the zoom grows or shrinks),
/// with sensor noise. Seeded: the same clips every run.
/// </summary>
public static class ShotClips
{
    private const int Fps = 25;

    /// <summary>
    /// Writes <paramref name="perLabel"/> clips of each movement into <paramref name="directory"/> with a
    /// <c>labels.csv</c> (path,label) beside them; returns the CSV's path.
    /// </summary>
    public static async Task<string> WriteDatasetAsync(string directory, int perLabel, int seed, int width = 320, int height = 180, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var lines = new List<string> { "path,label" };
        for (var i = 0; i < perLabel; i++)
        {
            foreach (var movement in ShotMovement.Labels)
            {
                var name = $"{movement}-{seed}-{i:000}.mp4";
                var seconds = 2 + (random.NextDouble() * 4);
                await WriteAsync(Path.Combine(directory, name), movement, TimeSpan.FromSeconds(seconds), random.Next(), width, height, cancellationToken).ConfigureAwait(false);
                lines.Add($"{name},{movement}");
            }
        }

        var csv = Path.Combine(directory, "labels.csv");
        await File.WriteAllLinesAsync(csv, lines, cancellationToken).ConfigureAwait(false);
        return csv;
    }

    /// <summary>
    /// A video of <paramref name="movements"/> in turn, each over another picture (so each join is a hard cut), with
    /// no audio; returns the clips' bounds.
    /// </summary>
    public static async Task<IReadOnlyList<(TimeSpan Start, TimeSpan End, string Movement)>> WriteScenesAsync(
        string path, IReadOnlyList<(string Movement, TimeSpan Duration)> movements, int seed, int width = 640, int height = 360, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileNameWithoutExtension(path)}-parts");
        Directory.CreateDirectory(folder);
        try
        {
            var parts = new List<string>();
            var bounds = new List<(TimeSpan, TimeSpan, string)>();
            var at = TimeSpan.Zero;
            for (var i = 0; i < movements.Count; i++)
            {
                var part = Path.Combine(folder, $"{i}.mp4");
                await WriteAsync(part, movements[i].Movement, movements[i].Duration, seed + (i * 7919), width, height, cancellationToken, source: DistinctPictures[i % DistinctPictures.Length]).ConfigureAwait(false);
                parts.Add(part);
                bounds.Add((at, at + movements[i].Duration, movements[i].Movement));
                at += movements[i].Duration;
            }

            var list = Path.Combine(folder, "parts.txt");
            await File.WriteAllLinesAsync(list, parts.Select(p => $"file '{p}'"), cancellationToken).ConfigureAwait(false);
            await FfmpegRunner.RunAsync(["-f", "concat", "-safe", "0", "-i", list, "-c", "copy", path], cancellationToken).ConfigureAwait(false);
            return bounds;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>One clip of <paramref name="movement"/> (H.264, no audio); <paramref name="source"/> picks the picture (else the seed does).</summary>
    public static async Task WriteAsync(string path, string movement, TimeSpan duration, int seed, int width = 320, int height = 180, CancellationToken cancellationToken = default, int? source = null)
    {
        var random = new Random(seed);
        var frames = (int)Math.Round(duration.TotalSeconds * Fps);
        double P() => 0.1 + (random.NextDouble() * 0.8);
        var (z0, z1) = movement switch
        {
            ShotMovement.Push => (1.0 + (random.NextDouble() * 0.1), 1.35 + (random.NextDouble() * 0.4)),
            ShotMovement.Pull => (1.35 + (random.NextDouble() * 0.4), 1.0 + (random.NextDouble() * 0.1)),
            ShotMovement.Motion => Same(1.5 + (random.NextDouble() * 0.4)),
            ShotMovement.Static => Same(1.1 + (random.NextDouble() * 0.6)),
            _ => throw new ArgumentException($"'{movement}' is not one of {string.Join(", ", ShotMovement.Labels)}", nameof(movement)),
        };
        var (x0, x1, y0, y1) = (P(), P(), P(), P());
        if (movement == ShotMovement.Motion)
        {
            // A pan, a tilt or both, across at least 40 % of the room the crop has.
            switch (random.Next(3))
            {
                case 0: (x0, x1, y1) = Across(random, x0, y0); break;
                case 1: (y0, y1, x1) = Across(random, y0, x0); break;
                default: (x0, x1) = (0.1, 0.9); (y0, y1) = random.Next(2) == 0 ? (0.2, 0.8) : (0.8, 0.2); break;
            }
        }
        else
        {
            (x1, y1) = (x0, y0);
        }

        string Lerp(double a, double b) => string.Create(CultureInfo.InvariantCulture, $"({a:0.####}+({b - a:0.####})*on/{frames})");
        var zoompan = $"zoompan=z='{Lerp(z0, z1)}':x='(iw-iw/zoom)*{Lerp(x0, x1)}':y='(ih-ih/zoom)*{Lerp(y0, y1)}':d=1:s={width}x{height}:fps={Fps}";
        var picture = Picture(source ?? random.Next(), random);
        var filter = $"{picture},{zoompan},noise=alls=4:allf=t:all_seed={random.Next(1, 1_000_000)},format=yuv420p";
        await FfmpegRunner.RunAsync(
            ["-f", "lavfi", "-i", filter, "-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-an", path],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pictures unlike each other in turn (so every join is a clear cut), each with texture to track.</summary>
    private static readonly int[] DistinctPictures = [0, 5, 1, 2];

    private static (double, double) Same(double z) => (z, z);

    // The gradients source's colours default to "random", drawn afresh by ffmpeg on every run whatever its seed: named here.
    private static string Colours(Random random, int count) =>
        string.Join(':', Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"c{i}=0x{random.Next(0x1000000):X6}")));

    private static (double From, double To, double Other) Across(Random random, double from, double other)
    {
        var to = from < 0.5 ? Math.Min(0.95, from + 0.4 + (random.NextDouble() * 0.3)) : Math.Max(0.05, from - 0.4 - (random.NextDouble() * 0.3));
        return (from, to, other);
    }

    /// <summary>A still 1280×720 picture as a lavfi graph (looped by zoompan's one-frame-per-frame use of it).</summary>
    internal static string Picture(int which, Random random)
    {
        var seed = random.Next(1, 100_000);
        var hue = random.Next(0, 360);
        var still = (which % 6) switch
        {
            0 => "testsrc2=s=1280x720:r=25",
            1 => $"gradients=s=1280x720:n=6:{Colours(random, 6)}:seed={seed}:r=25,geq=lum='lum(X,Y)+40*sin(X/9)*sin(Y/11)':cb='cb(X,Y)':cr='cr(X,Y)'",
            2 => $"mandelbrot=s=1280x720:r=25:start_x=-0.7{seed % 10}:start_y=0.3{seed % 7}:start_scale={1 + (seed % 3)}:end_scale={1 + (seed % 3)}",
            3 => $"cellauto=s=1280x720:r=25:rule={new[] { 30, 90, 110, 150 }[seed % 4]}:seed={seed}:full=1,scale=1280:720",
            4 => $"life=s=320x180:r=25:seed={seed}:ratio=0.35:mold=10:life_color=#FFFFFF:death_color=#602040,scale=1280:720:flags=neighbor",
            _ => $"nullsrc=s=1280x720:r=25,geq=lum='128+60*sin(X/17+{seed % 13})*cos(Y/23)+50*sin((X+Y)/7)':cb='128+40*sin(X/50)':cr='128+40*cos(Y/40)'",
        };

        // Frozen at its first frame (these sources move on their own), coloured by a hue of the seed's choosing.
        return $"{still},trim=end_frame=1,loop=loop=-1:size=1,setpts=N/25/TB,hue=h={hue},format=yuv420p";
    }
}
