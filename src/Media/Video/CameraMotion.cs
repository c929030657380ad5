using MediaCluster.Media.Ffmpeg;
using OpenCvSharp;

namespace MediaCluster.Media.Video;

/// <summary>
/// The camera's global motion between two frames, as a similarity transform (OpenCV: corners tracked by pyramidal
/// Lucas–Kanade, then a RANSAC fit of translation, rotation and scale). Translation is that of the picture's centre,
/// in picture widths, so a zoom about the centre reads as scale alone.
/// </summary>
public sealed record MotionStep(double Dx, double Dy, double LogScale, double Tracked, double Inliers, double Difference, double Seconds)
{
    /// <summary>Whether a motion was fitted: a step with too few corners or tracks has none, which is not the same as a still camera.</summary>
    public bool Measured => Inliers > 0;
}

/// <summary>Camera movement features of a scene from its sampled frames.</summary>
public static class CameraMotion
{
    /// <summary>The number of values <see cref="Features"/> returns.</summary>
    public const int FeatureCount = 10;

    /// <summary>Names of the features, in order (the dataset and the model's schema use them).</summary>
    public static readonly string[] FeatureNames =
        ["pan_speed", "tilt_speed", "translation_speed", "zoom_rate", "zoom_rate_abs", "zoom_consistency", "pan_consistency", "tracked", "inliers", "difference"];

    private const int MaxCorners = 300;
    private const int MinPoints = 8;

    // Corners are kept down to this share of the strongest one's response. OpenCV's usual 0.01 let a few very strong
    // corners (bright specks on a dark patch) starve the rest: a pull then had steps with under MinPoints corners.
    private const double CornerQuality = 0.001;

    /// <summary>The motion between consecutive frames of <paramref name="frames"/> (in time order).</summary>
    public static IReadOnlyList<MotionStep> Steps(IReadOnlyList<VideoFrame> frames)
    {
        var steps = new List<MotionStep>(Math.Max(0, frames.Count - 1));
        Mat? previous = null;
        try
        {
            foreach (var frame in frames)
            {
                var gray = Gray(frame);
                if (previous is not null)
                {
                    var seconds = (frame.Time - frames[steps.Count].Time).TotalSeconds;
                    steps.Add(Between(previous, gray, Math.Max(seconds, 1e-3)));
                    previous.Dispose();
                }

                previous = gray;
            }
        }
        finally
        {
            previous?.Dispose();
        }

        return steps;
    }

    /// <summary>
    /// <see cref="FeatureCount"/> values describing how the camera moved over a scene: speeds per second (pan, tilt,
    /// translation in picture widths; zoom as log scale), how consistent the zoom's and the pan's direction were, the
    /// share of corners tracked and fitting the motion, and the mean grey-level difference (for pictures with no corners).
    /// </summary>
    public static float[] Features(IReadOnlyList<VideoFrame> frames)
    {
        var all = Steps(frames);
        if (all.Count == 0)
        {
            return new float[FeatureCount];
        }

        // Speeds are over the steps whose motion was fitted; an unmeasured step counted as still read a pull at a third of its rate.
        var steps = all.Where(s => s.Measured).ToList();
        double Mean(Func<MotionStep, double> f) => steps.Count == 0 ? 0 : steps.Average(f);
        var zoom = Mean(s => s.LogScale / s.Seconds);
        var zoomAbs = Mean(s => Math.Abs(s.LogScale) / s.Seconds);
        var dx = Mean(s => s.Dx / s.Seconds);
        var dy = Mean(s => s.Dy / s.Seconds);
        var translation = Mean(s => Math.Sqrt((s.Dx * s.Dx) + (s.Dy * s.Dy)) / s.Seconds);
        return
        [
            (float)Mean(s => Math.Abs(s.Dx) / s.Seconds),
            (float)Mean(s => Math.Abs(s.Dy) / s.Seconds),
            (float)translation,
            (float)zoom,
            (float)zoomAbs,
            (float)(zoomAbs > 1e-6 ? zoom / zoomAbs : 0),
            (float)(translation > 1e-6 ? Math.Sqrt((dx * dx) + (dy * dy)) / translation : 0),
            (float)all.Average(s => s.Tracked),
            (float)all.Average(s => s.Inliers),
            (float)all.Average(s => s.Difference),
        ];
    }

    /// <summary>The motion from <paramref name="from"/> to <paramref name="to"/> (8-bit grey pictures of one size).</summary>
    public static MotionStep Between(Mat from, Mat to, double seconds)
    {
        using var diff = new Mat();
        Cv2.Absdiff(from, to, diff);
        var difference = Cv2.Mean(diff).Val0 / 255.0;
        var corners = Cv2.GoodFeaturesToTrack(from, MaxCorners, CornerQuality, Math.Max(4, from.Width / 40.0), null!, 3, false, 0.04);
        if (corners.Length < MinPoints)
        {
            return new MotionStep(0, 0, 0, 0, 0, difference, seconds);
        }

        var moved = new Point2f[corners.Length];
        Cv2.CalcOpticalFlowPyrLK(from, to, corners, ref moved, out var status, out _, new Size(21, 21), 4);
        var sources = new List<Point2f>(corners.Length);
        var targets = new List<Point2f>(corners.Length);
        for (var i = 0; i < corners.Length; i++)
        {
            if (status[i] == 1)
            {
                sources.Add(corners[i]);
                targets.Add(moved[i]);
            }
        }

        var tracked = sources.Count / (double)corners.Length;
        if (sources.Count < MinPoints)
        {
            return new MotionStep(0, 0, 0, tracked, 0, difference, seconds);
        }

        using var inlierMask = new Mat();
        using var transform = Cv2.EstimateAffinePartial2D(
            InputArray.Create(sources), InputArray.Create(targets), inlierMask, RobustEstimationAlgorithms.RANSAC, 2.0);
        if (transform is null || transform.Empty())
        {
            return new MotionStep(0, 0, 0, tracked, 0, difference, seconds);
        }

        var a = transform.At<double>(0, 0);
        var b = transform.At<double>(1, 0);
        var cx = from.Width / 2.0;
        var cy = from.Height / 2.0;

        // Where the centre went: a zoom about the centre leaves it in place, a pan moves it.
        var centreX = (a * cx) - (b * cy) + transform.At<double>(0, 2);
        var centreY = (b * cx) + (a * cy) + transform.At<double>(1, 2);
        var scale = Math.Sqrt((a * a) + (b * b));
        var inliers = Cv2.CountNonZero(inlierMask) / (double)corners.Length;
        return new MotionStep((centreX - cx) / from.Width, (centreY - cy) / from.Width, Math.Log(Math.Max(scale, 1e-6)), tracked, inliers, difference, seconds);
    }

    /// <summary>The frame as an 8-bit grey picture.</summary>
    internal static Mat Gray(VideoFrame frame)
    {
        using var rgb = Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, frame.Rgb);
        var gray = new Mat();
        Cv2.CvtColor(rgb, gray, ColorConversionCodes.RGB2GRAY);
        return gray;
    }
}
