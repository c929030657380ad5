using MediaCluster.Media.Ffmpeg;
using OpenCvSharp;

namespace MediaCluster.Media.Video;

/// <summary>A <see cref="VideoFrame"/> (RGB, as ffmpeg gives it) to and from OpenCV's BGR picture.</summary>
internal static class FramePictures
{
    /// <summary>The frame as a BGR picture of its own (the caller disposes it).</summary>
    public static Mat ToBgr(VideoFrame frame)
    {
        using var rgb = Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, frame.Rgb);
        var bgr = new Mat();
        Cv2.CvtColor(rgb, bgr, ColorConversionCodes.RGB2BGR);
        return bgr;
    }

    /// <summary>A BGR picture (or a region of one) as a frame at <paramref name="time"/>.</summary>
    public static VideoFrame FromBgr(Mat bgr, TimeSpan time)
    {
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var pixels = new byte[rgb.Width * rgb.Height * 3];
        System.Runtime.InteropServices.Marshal.Copy(rgb.Data, pixels, 0, pixels.Length); // a fresh Mat is continuous
        return new VideoFrame(time, rgb.Width, rgb.Height, pixels);
    }
}
