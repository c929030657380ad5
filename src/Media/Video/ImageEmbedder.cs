using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Onnx;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace MediaCluster.Media.Video;

/// <summary>
/// Image embeddings from a pretrained ResNet-18 through ONNX Runtime (the models of NuGet's
/// Microsoft.ML.DnnImageFeaturizer.ResNet18, fetched by <c>mc setup</c>): the picture resized to 224×224, planar RGB
/// 0–255 through <c>ResNetPreprocess.onnx</c> (the network's normalisation), then <c>ResNet18.onnx</c>'s pooled
/// 512 values. Thread-safe (ONNX Runtime sessions are).
/// </summary>
public sealed class ImageEmbedder : IDisposable
{
    /// <summary>The length of an embedding.</summary>
    public const int Dimensions = 512;

    private const int Side = 224;

    private readonly OnnxModel _preprocess;
    private readonly OnnxModel _network;

    /// <summary>Loads both models (from <c>.native/</c> unless paths are given); a file that is not the expected model is refused naming it.</summary>
    public ImageEmbedder(InferenceDevice device = InferenceDevice.Auto, ILogger? log = null, string? preprocessPath = null, string? networkPath = null)
    {
        _preprocess = Load(preprocessPath ?? NativeFiles.Find("ResNetPreprocess.onnx"), "OriginalInput", "PreprocessedInput", device, log);
        try
        {
            _network = Load(networkPath ?? NativeFiles.Find("ResNet18.onnx"), "Input247", "Pooling395_Output_0", device, log);
        }
        catch
        {
            _preprocess.Dispose();
            throw;
        }
    }

    /// <summary>The embedding of one frame.</summary>
    public float[] Embed(VideoFrame frame)
    {
        using var rgb = Mat.FromPixelData(frame.Height, frame.Width, MatType.CV_8UC3, frame.Rgb);
        using var resized = new Mat();
        Cv2.Resize(rgb, resized, new Size(Side, Side), interpolation: InterpolationFlags.Area);
        var pixels = new byte[Side * Side * 3];
        System.Runtime.InteropServices.Marshal.Copy(resized.Data, pixels, 0, pixels.Length); // a fresh Mat is continuous
        var planes = new float[3 * Side * Side];
        for (var i = 0; i < Side * Side; i++)
        {
            planes[i] = pixels[3 * i];
            planes[(Side * Side) + i] = pixels[(3 * i) + 1];
            planes[(2 * Side * Side) + i] = pixels[(3 * i) + 2];
        }

        var input = new DenseTensor<float>(planes, [1, 3, Side, Side]);

        using var prepared = _preprocess.Session.Run([NamedOnnxValue.CreateFromTensor("OriginalInput", input)]);
        var normalised = prepared[0].AsTensor<float>().ToDenseTensor();
        using var pooled = _network.Session.Run([NamedOnnxValue.CreateFromTensor("Input247", normalised)]);
        return [.. pooled[0].AsEnumerable<float>()];
    }

    /// <summary>The mean embedding of <paramref name="frames"/> (a scene's look, steadier than one frame's).</summary>
    public float[] EmbedMean(IReadOnlyList<VideoFrame> frames)
    {
        var sum = new float[Dimensions];
        foreach (var frame in frames)
        {
            var embedding = Embed(frame);
            for (var i = 0; i < Dimensions; i++)
            {
                sum[i] += embedding[i] / frames.Count;
            }
        }

        return sum;
    }

    public void Dispose()
    {
        _preprocess.Dispose();
        _network.Dispose();
    }

    private static OnnxModel Load(string path, string input, string output, InferenceDevice device, ILogger? log)
    {
        var model = new OnnxModel(path, device, intraOpThreads: 1, log); // a file that is not a model: its own error, naming it
        if (model.Inputs is not [{ Shape: [1, 3, Side, Side] } i] || i.Name != input || !model.Outputs.Any(o => o.Name == output))
        {
            model.Dispose();
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{path}' is not the expected model: it should take '{input}' [1,3,{Side},{Side}] and give '{output}'");
        }

        return model;
    }
}
