using System.Security.Cryptography;
using MediaCluster.Media.Onnx;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MediaCluster.Media.Diarization;

/// <summary>An operator's speaker-embedding model file and the cosine distance within which its clusters are one speaker.</summary>
public sealed record SpeakerModelFile(string Path, double Threshold);

/// <summary>
/// An operator's speaker-embedding model (ONNX) in place of <see cref="SpeakerFeatures"/>: one float input of 16 kHz
/// samples in [-1, 1], shaped [batch, samples], and a first output [batch, dimensions] — a vector per window, over the
/// same windows as the MFCC statistics (1.5 s every 0.75 s). Feature extraction (fbank and so on) belongs in the graph.
/// Jobs cluster such vectors by cosine distance (<see cref="Diarizer"/>), stopping at <see cref="Threshold"/>.
/// Thread-safe (one session shared by the node's ASR slots).
/// </summary>
public sealed class SpeakerEmbedder : IDisposable
{
    /// <summary>The most values per vector taken from a model.</summary>
    public const int MaxDimensions = 4096;

    /// <summary>Windows given to the model in one run.</summary>
    private const int Batch = 16;

    private static readonly int s_windowSamples = SpeakerFeatures.WindowFrames * SpeakerFeatures.FrameStep;

    private readonly OnnxModel _model;
    private readonly string _input;
    private readonly string _output;
    private readonly int? _fixedSamples;
    private readonly bool _oneAtATime;

    /// <summary>Loads <paramref name="path"/>; refuses, saying why, a model whose input or output is not as described above.</summary>
    public SpeakerEmbedder(string path, double threshold, InferenceDevice device = InferenceDevice.Auto, ILogger? log = null)
    {
        if (threshold is not (> 0 and <= 2) || double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "a cosine distance in (0, 2]");
        }

        _model = File.Exists(path) ? new OnnxModel(path, device, intraOpThreads: 1, log) : throw Refused(path, $"there is no file '{path}'");
        try
        {
            var input = _model.Inputs is [var only] ? only : throw Refused(path, $"it has {_model.Inputs.Count} inputs, not one");
            if (input.ElementType != typeof(float) || input.Shape.Count != 2)
            {
                throw Refused(path, $"its input '{input.Name}' is {input.ElementType.Name} [{string.Join(", ", input.Shape)}], not float [batch, samples]");
            }

            if (input.Shape[1] > 0 && input.Shape[1] != s_windowSamples)
            {
                throw Refused(path, $"its input '{input.Name}' takes {input.Shape[1]} samples; it must take any number, or {s_windowSamples} (1.5 s at 16 kHz)");
            }

            var output = _model.Outputs.Count > 0 ? _model.Outputs[0] : throw Refused(path, "it has no output");
            if (output.ElementType != typeof(float) || output.Shape.Count != 2 || output.Shape[1] > MaxDimensions)
            {
                throw Refused(path, $"its output '{output.Name}' is {output.ElementType.Name} [{string.Join(", ", output.Shape)}], not float [batch, dimensions ≤ {MaxDimensions}]");
            }

            (_input, _output) = (input.Name, output.Name);
            _fixedSamples = input.Shape[1] > 0 ? (int)input.Shape[1] : null;
            _oneAtATime = input.Shape[0] == 1;
        }
        catch
        {
            _model.Dispose();
            throw;
        }

        Threshold = threshold;
        using var file = File.OpenRead(path);
        Id = $"{Path.GetFileName(path)} {Convert.ToHexStringLower(SHA256.HashData(file))[..12]}";
    }

    /// <summary>The model's file name and the start of its sha256, recorded with every vector it gives.</summary>
    public string Id { get; }

    /// <summary>The cosine distance within which two clusters of its vectors are one speaker.</summary>
    public double Threshold { get; }

    /// <summary>A vector per window of 16 kHz 16-bit speech (the windows of <see cref="SpeakerFeatures.WindowStarts"/>).</summary>
    public IReadOnlyList<(int FirstFrame, float[] Vector)> Embed(ReadOnlySpan<short> samples)
    {
        var starts = SpeakerFeatures.WindowStarts(SpeakerFeatures.FramesOf(samples.Length));
        var windows = new List<(int, float[])>(starts.Count);
        var floats = SpeakerFeatures.Floats(samples);

        // Windows of one length run together: the full ones, then a short one (a segment under 1.5 s) alone.
        var groups = starts.GroupBy(start => Math.Min(s_windowSamples, floats.Length - (start * SpeakerFeatures.FrameStep)));
        foreach (var group in groups)
        {
            foreach (var chunk in group.Chunk(_oneAtATime ? 1 : Batch))
            {
                var vectors = Run(floats, chunk, group.Key);
                windows.AddRange(chunk.Select((start, i) => (start, vectors[i])));
            }
        }

        windows.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return windows;
    }

    public void Dispose() => _model.Dispose();

    private float[][] Run(float[] samples, int[] starts, int length)
    {
        var width = _fixedSamples ?? length;
        var input = new DenseTensor<float>([starts.Length, width]);
        for (var w = 0; w < starts.Length; w++)
        {
            var from = starts[w] * SpeakerFeatures.FrameStep;
            for (var i = 0; i < Math.Min(length, width); i++)
            {
                input[w, i] = samples[from + i]; // a fixed-size input past a short window's end stays zero
            }
        }

        using var results = RunModel(input);
        var output = results[0].AsTensor<float>();
        if (output.Dimensions.Length != 2 || output.Dimensions[0] != starts.Length || output.Dimensions[1] is < 1 or > MaxDimensions)
        {
            throw new MediaException(MediaErrorKind.ToolFailed, $"the speaker model {Id} gave [{string.Join(", ", output.Dimensions.ToArray())}] for {starts.Length} window(s), not [{starts.Length}, dimensions ≤ {MaxDimensions}]");
        }

        var vectors = new float[starts.Length][];
        for (var w = 0; w < starts.Length; w++)
        {
            vectors[w] = new float[output.Dimensions[1]];
            for (var d = 0; d < vectors[w].Length; d++)
            {
                var value = output[w, d];
                vectors[w][d] = float.IsFinite(value) ? value : throw new MediaException(MediaErrorKind.ToolFailed, $"the speaker model {Id} gave a value that is not a number");
            }
        }

        return vectors;
    }

    private IDisposableReadOnlyCollection<DisposableNamedOnnxValue> RunModel(DenseTensor<float> input)
    {
        try
        {
            return _model.Session.Run([NamedOnnxValue.CreateFromTensor(_input, input)], [_output]);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new MediaException(MediaErrorKind.ToolFailed, $"the speaker model {Id} failed on {input.Dimensions[0]} window(s) of {input.Dimensions[1]} samples: {ex.Message.Trim()}");
        }
    }

    private static MediaException Refused(string path, string why) =>
        new(MediaErrorKind.InvalidInput, $"speaker model '{Path.GetFileName(path)}' cannot be used: {why}");
}
