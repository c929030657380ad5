using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Video;

namespace MediaCluster.Media.Learning;

/// <summary>
/// A task a user defines over short clips (<c>pbm model task add NAME --kind clip</c>; an action, a gesture, a kind of
/// shot): a clip's 8 frames, sampled across it as a scene's are — their mean ResNet-18 embedding (what it shows), the
/// change of the embedding from the first frame to the last, and the camera's motion between frames — so a head
/// trained over them (sdca by default; mlp-head for larger datasets) sees how the picture changes, not only what it shows.
/// Datasets are labels CSVs of clips (<c>path,label[,split]</c>). A scene of a job's video is measured the same way.
/// </summary>
public sealed class ClipTask(string name, IReadOnlyList<string> labels, ClassifierConfig config, Func<ImageEmbedder> embedder) : ShotTask
{
    public const string Kind = "clip";

    private readonly Lazy<ImageEmbedder> _embedder = new(embedder);

    public override string Name { get; } = name;

    public override IReadOnlyList<string> Labels { get; } = labels;

    public override ClassifierConfig DefaultConfig { get; } = config;

    /// <summary>Clip tasks read labels CSVs only.</summary>
    public override IReadOnlyList<string> DataPatterns => ["*.csv"];

    /// <summary>None: a clip task's datasets are labels CSVs (a MovieShots JSON is refused naming the file).</summary>
    public override string MovieShotsKey => string.Empty;

    public override async Task<float[]> ExampleFeaturesAsync(string path, CancellationToken cancellationToken = default) =>
        SceneFeatures(await SceneFinder.ClipFramesAsync(path, cancellationToken).ConfigureAwait(false));

    public override float[] SceneFeatures(IReadOnlyList<VideoFrame> frames)
    {
        if (frames.Count == 0)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, "the clip gave no frames");
        }

        // What it shows (the frames' mean embedding), how that changed from first to last frame, and how the camera
        // moved between frames (pan, tilt, zoom and how consistent they were: CameraMotion).
        var first = _embedder.Value.Embed(frames[0]);
        var last = _embedder.Value.Embed(frames[^1]);
        var mean = _embedder.Value.EmbedMean(frames);
        var features = new float[FeatureCount];
        mean.CopyTo(features, 0);
        for (var i = 0; i < ImageEmbedder.Dimensions; i++)
        {
            features[ImageEmbedder.Dimensions + i] = last[i] - first[i];
        }

        CameraMotion.Features(frames).CopyTo(features, 2 * ImageEmbedder.Dimensions);
        return features;
    }

    /// <summary>The length of a clip's features.</summary>
    public const int FeatureCount = (2 * ImageEmbedder.Dimensions) + CameraMotion.FeatureCount;

    protected override Task<string> WriteDefaultAsync(string directory, CancellationToken cancellationToken) =>
        throw new MediaException(MediaErrorKind.InvalidInput, $"task {Name} is a user's: it has no generated default");
}
