using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Reports;
using OpenCvSharp;

namespace MediaCluster.Media.Video;

/// <summary>
/// A job's scene frames between the pass that read them and its artifacts: one lossless PNG per scene, its frames stacked
/// top to bottom, in a hidden folder of the job's output (shared by the nodes, so a classifier on any gpu node reads them,
/// and a job resumed elsewhere finds them). Deleted once the job has ended.
/// </summary>
public sealed class SceneFrameStore(string directory)
{
    /// <summary>The folder's name inside a job's output folder (no artifact, never served).</summary>
    public const string FolderName = ".scene-frames";

    /// <summary>The largest frames file read (a scene's 64 frames of 320×5120 would be more; PNG makes ours far smaller).</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    /// <summary>The folder the frames are kept in.</summary>
    public string Directory { get; } = directory;

    /// <summary>The store of the job whose results go to <paramref name="outputDirectory"/>.</summary>
    public static SceneFrameStore Of(string outputDirectory) => new(System.IO.Path.Combine(outputDirectory, FolderName));

    /// <summary>Where scene <paramref name="index"/>'s frames are kept.</summary>
    public string PathOf(int index) => System.IO.Path.Combine(Directory, $"scene-{index:D5}.png");

    /// <summary>Whether scene <paramref name="index"/>'s frames are kept.</summary>
    public bool Has(int index) => File.Exists(PathOf(index));

    /// <summary>Keeps a scene's frames (written atomically).</summary>
    public async Task WriteAsync(SceneFrames scene, CancellationToken cancellationToken = default)
    {
        var frames = scene.Frames;
        var (width, height) = (frames[0].Width, frames[0].Height);
        byte[] png;
        using (var stacked = new Mat(height * frames.Count, width, MatType.CV_8UC3))
        {
            // Each frame converted straight into its band of the stacked picture (no copy per frame).
            for (var i = 0; i < frames.Count; i++)
            {
                using var rgb = Mat.FromPixelData(height, width, MatType.CV_8UC3, frames[i].Rgb);
                using var part = new Mat(stacked, new Rect(0, i * height, width, height));
                Cv2.CvtColor(rgb, part, ColorConversionCodes.RGB2BGR);
            }

            png = stacked.ImEncode(".png", new ImageEncodingParam(ImwriteFlags.PngCompression, 1));
        }

        await AtomicFile.WriteAsync(PathOf(scene.Span.Index), stream => stream.WriteAsync(png, cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The frames kept in <paramref name="file"/>, one per time of <paramref name="times"/> (the scene's frame times).
    /// The file comes from a peer's message, so its size and its picture's shape are checked before use.
    /// </summary>
    public static IReadOnlyList<VideoFrame> Read(string file, IReadOnlyList<TimeSpan> times)
    {
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"the scene's frames '{file}' are not there (the job reads them again)");
        }

        if (info.Length > MaxFileBytes || times.Count == 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{file}' is not a scene's frames ({info.Length} bytes for {times.Count} frames)");
        }

        // The size its header states is checked before decoding: a crafted PNG may state any.
        static bool Fits((int Width, int Height)? size, int count) =>
            size is { } s && s.Width == SceneFinder.MotionWidth && s.Height % count == 0 && s.Height / count <= SceneFinder.MotionWidth * FrameSampler.MaxAspect;
        if (!Fits(Learning.PictureSize.Read(file), times.Count))
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{file}' is not a scene's {times.Count} frames {SceneFinder.MotionWidth} wide");
        }

        using var bgr = Cv2.ImDecode(File.ReadAllBytes(file), ImreadModes.Color);
        if (bgr.Empty() || !Fits((bgr.Width, bgr.Height), times.Count))
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{file}' could not be decoded as a scene's frames");
        }

        var height = bgr.Height / times.Count;
        return [.. times.Select((time, i) =>
        {
            using var part = new Mat(bgr, new Rect(0, i * height, bgr.Width, height));
            return FramePictures.FromBgr(part, time);
        })];
    }

    /// <summary>Removes the folder and what is in it (the job has ended); a folder already gone is no error.</summary>
    public void Delete()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
