using System.Globalization;
using MediaCluster.Media.Ffmpeg;
using OpenCvSharp;

namespace MediaCluster.Media.Samples;

/// <summary>The shot scales a scene is labelled with (the MovieShots scale set).</summary>
public static class ShotScale
{
    /// <summary>Extreme close-up: part of a face fills the picture.</summary>
    public const string ExtremeCloseUp = "ECS";

    /// <summary>Close-up: head and shoulders.</summary>
    public const string CloseUp = "CS";

    /// <summary>Medium shot: from the waist up.</summary>
    public const string Medium = "MS";

    /// <summary>Full shot: the whole body fills the height.</summary>
    public const string Full = "FS";

    /// <summary>Long shot: a small figure in its surroundings.</summary>
    public const string Long = "LS";

    public static readonly string[] Labels = [ExtremeCloseUp, CloseUp, Medium, Full, Long];
}

/// <summary>
/// Labelled shot-scale pictures: a figure (head with eyes and mouth, neck, body, arms, legs; colours and proportions
/// varied by seed) over a picture ffmpeg made (test patterns, gradients, fractals, textures — blurred like a
/// background out of focus), framed as each scale frames a person: an eye line filling the frame (ECS), head and
/// shoulders (CS), waist up (MS), the whole body (FS), a small figure in a wide view (LS). Seeded.
/// </summary>
public static class ShotScaleImages
{
    /// <summary>
    /// Writes <paramref name="perLabel"/> JPEGs of each scale into <paramref name="directory"/> with a <c>labels.csv</c>
    /// (path,label); returns the CSV's path.
    /// </summary>
    public static async Task<string> WriteDatasetAsync(string directory, int perLabel, int seed, int width = 320, int height = 180, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var backgrounds = await BackgroundsAsync(directory, seed, cancellationToken).ConfigureAwait(false);
        var random = new Random(seed);
        var lines = new List<string> { "path,label" };
        try
        {
            for (var i = 0; i < perLabel; i++)
            {
                foreach (var scale in ShotScale.Labels)
                {
                    var name = $"{scale}-{seed}-{i:000}.jpg";
                    using var picture = Render(scale, backgrounds[random.Next(backgrounds.Count)], random, width, height);
                    picture.SaveImage(Path.Combine(directory, name), new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
                    lines.Add($"{name},{scale}");
                }
            }
        }
        finally
        {
            backgrounds.ForEach(b => b.Dispose());
        }

        var csv = Path.Combine(directory, "labels.csv");
        await File.WriteAllLinesAsync(csv, lines, cancellationToken).ConfigureAwait(false);
        return csv;
    }

    /// <summary>A still clip (H.264, no audio) of one generated picture of <paramref name="scale"/>, for scenes.</summary>
    public static async Task WriteClipAsync(string path, string scale, TimeSpan duration, int seed, int width = 320, int height = 180, CancellationToken cancellationToken = default)
    {
        var folder = Directory.CreateTempSubdirectory("mc-scale-").FullName;
        try
        {
            var backgrounds = await BackgroundsAsync(folder, seed, cancellationToken).ConfigureAwait(false);
            var still = Path.Combine(folder, "still.png");
            using (var picture = Render(scale, backgrounds[0], new Random(seed), width, height))
            {
                picture.SaveImage(still);
            }

            backgrounds.ForEach(b => b.Dispose());
            await FfmpegRunner.RunAsync(
                ["-loop", "1", "-framerate", "25", "-i", still, "-t", duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
                 "-vf", "noise=alls=3:allf=t:all_seed=5,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-an", path],
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The picture of a figure at <paramref name="scale"/> over <paramref name="background"/> (BGR).</summary>
    internal static Mat Render(string scale, Mat background, Random random, int width, int height)
    {
        // The figure's height (head top to feet) in frame heights, and where its head top sits (fraction of the height).
        var (body, top) = scale switch
        {
            ShotScale.ExtremeCloseUp => Eyes(Between(random, 10, 14), Between(random, 0.35, 0.6)),
            ShotScale.CloseUp => (Between(random, 4.0, 5.0), Between(random, 0.04, 0.12)),
            ShotScale.Medium => (Between(random, 1.9, 2.4), Between(random, 0.05, 0.12)),
            ShotScale.Full => (Between(random, 0.78, 0.92), Between(random, 0.03, 0.1)),
            ShotScale.Long => (Between(random, 0.18, 0.32), Between(random, 0.35, 0.6)),
            _ => throw new ArgumentException($"'{scale}' is not one of {string.Join(", ", ShotScale.Labels)}", nameof(scale)),
        };
        var frame = new Mat();
        Cv2.Resize(background, frame, new Size(width, height), interpolation: InterpolationFlags.Area);
        var blur = scale is ShotScale.Long or ShotScale.Full ? 3 : 9;
        Cv2.GaussianBlur(frame, frame, new Size(blur, blur), 0);
        var b = body * height;
        var cx = width * Between(random, 0.38, 0.62);
        var y0 = top * height;
        var skin = new Scalar(Between(random, 60, 200), Between(random, 90, 200), Between(random, 140, 235));
        var shirt = new Scalar(random.Next(256), random.Next(256), random.Next(256));
        var trousers = new Scalar(random.Next(120), random.Next(120), random.Next(160));
        var hair = new Scalar(random.Next(80), random.Next(80), random.Next(100));
        Point P(double x, double y) => new((int)Math.Round(cx + (x * b)), (int)Math.Round(y0 + (y * b)));
        int L(double v) => Math.Max(1, (int)Math.Round(v * b));

        // Legs, body, arms, neck, head (hair, face, eyes, mouth): in body heights from the head's top.
        Cv2.Line(frame, P(-0.05, 0.5), P(-0.07, 0.98), trousers, L(0.07));
        Cv2.Line(frame, P(0.05, 0.5), P(0.07, 0.98), trousers, L(0.07));
        Cv2.FillConvexPoly(frame, [P(-0.13, 0.15), P(0.13, 0.15), P(0.1, 0.52), P(-0.1, 0.52)], shirt, LineTypes.AntiAlias);
        Cv2.Line(frame, P(-0.13, 0.17), P(-0.17, 0.48), shirt, L(0.05), LineTypes.AntiAlias);
        Cv2.Line(frame, P(0.13, 0.17), P(0.17, 0.48), shirt, L(0.05), LineTypes.AntiAlias);
        Cv2.Circle(frame, P(-0.17, 0.49), L(0.025), skin, -1, LineTypes.AntiAlias);
        Cv2.Circle(frame, P(0.17, 0.49), L(0.025), skin, -1, LineTypes.AntiAlias);
        Cv2.Rectangle(frame, P(-0.025, 0.11), P(0.025, 0.16), skin, -1);
        Cv2.Ellipse(frame, P(0, 0.062), new Size(L(0.052), L(0.066)), 0, 0, 360, hair, -1, LineTypes.AntiAlias);
        Cv2.Ellipse(frame, P(0, 0.07), new Size(L(0.047), L(0.06)), 0, 0, 360, skin, -1, LineTypes.AntiAlias);
        foreach (var side in new[] { -1, 1 })
        {
            Cv2.Ellipse(frame, P(side * 0.018, 0.06), new Size(L(0.011), L(0.006)), 0, 0, 360, Scalar.White, -1, LineTypes.AntiAlias);
            Cv2.Circle(frame, P(side * 0.018, 0.06), L(0.004), new Scalar(40, 30, 20), -1, LineTypes.AntiAlias);
            Cv2.Line(frame, P(side * 0.03, 0.048), P(side * 0.008, 0.047), hair, L(0.003), LineTypes.AntiAlias);
        }

        Cv2.Line(frame, P(0, 0.065), P(-0.004, 0.085), new Scalar(skin.Val0 * 0.8, skin.Val1 * 0.8, skin.Val2 * 0.8), L(0.003), LineTypes.AntiAlias);
        Cv2.Ellipse(frame, P(0, 0.1), new Size(L(0.016), L(0.006)), 0, 0, 180, new Scalar(60, 50, 150), L(0.003), LineTypes.AntiAlias);
        return frame;
    }

    private static double Between(Random random, double low, double high) => low + (random.NextDouble() * (high - low));

    /// <summary>A figure of <paramref name="body"/> frame heights placed so its eyes are at <paramref name="eyeLine"/> of the height.</summary>
    private static (double Body, double Top) Eyes(double body, double eyeLine) => (body, eyeLine - (0.06 * body));

    /// <summary>Pictures ffmpeg makes to stand behind the figure (the movement clips' stills, a different seed each).</summary>
    private static async Task<List<Mat>> BackgroundsAsync(string directory, int seed, CancellationToken cancellationToken)
    {
        var result = new List<Mat>();
        for (var i = 0; i < 6; i++)
        {
            var path = Path.Combine(directory, $".background-{i}.png");
            await FfmpegRunner.RunAsync(["-f", "lavfi", "-i", ShotClips.Picture(i, new Random(seed + i)), "-frames:v", "1", path], cancellationToken).ConfigureAwait(false);
            result.Add(Cv2.ImRead(path));
            File.Delete(path);
        }

        return result;
    }
}
