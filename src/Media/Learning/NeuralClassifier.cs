using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaCluster.Media.Learning;

/// <summary>
/// What a neural model file holds besides its weights: the network (<c>cnn</c> over pictures, <c>mlp</c> over feature
/// vectors), its input shape, its labels in the order of its outputs, and each tensor's name and shape in file order.
/// </summary>
public sealed record NeuralHeader(
    [property: JsonPropertyName("network")] string Network,
    [property: JsonPropertyName("input")] IReadOnlyList<int> Input,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("tensors")] IReadOnlyList<NeuralTensor> Tensors);

/// <summary>One tensor of a neural model file: its name (as the training network calls it) and shape.</summary>
public sealed record NeuralTensor([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("shape")] IReadOnlyList<int> Shape)
{
    /// <summary>How many floats it holds.</summary>
    public int Length => Shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// A network trained by the training process (TorchSharp), run here in managed code so that no node but the one
/// training loads libtorch: the file is <c>MCNN</c>, a format version, the length of a JSON <see cref="NeuralHeader"/>,
/// the header, then every tensor's float32 values (little-endian) in the header's order. Two networks, fixed in shape
/// and built the same way by the trainer:
/// <list type="bullet">
/// <item><c>cnn</c>, input [channels, height, width] in 0–1: conv 3×3 (32) → ReLU → max-pool 2 → conv 3×3 (64) → ReLU →
/// max-pool 2 → linear (128) → ReLU → linear (labels). Tensors conv1/conv2/fc1/fc2 .weight and .bias.</item>
/// <item><c>mlp</c>, input [features]: standardised with input.mean / input.std, linear (hidden) → ReLU → linear
/// (labels). Tensors input.mean, input.std, fc1/fc2 .weight and .bias.</item>
/// </list>
/// Confidence is the softmax of the outputs. Thread-safe (nothing is kept between predictions).
/// </summary>
public sealed class NeuralClassifier : Classifier
{
    /// <summary>The first bytes of every neural model file.</summary>
    public static ReadOnlySpan<byte> Magic => "MCNN"u8;

    /// <summary>The networks this build runs.</summary>
    public static IReadOnlyList<string> Networks { get; } = ["cnn", "mlp"];

    private const int FormatVersion = 1;
    private const long MaxFloats = 64L << 20; // 256 MB of weights: far above either network's size at any input we take
    private readonly byte[] _bytes;
    private readonly Dictionary<string, (float[] Values, IReadOnlyList<int> Shape)> _tensors;

    private NeuralClassifier(NeuralHeader header, Dictionary<string, (float[] Values, IReadOnlyList<int> Shape)> tensors, byte[] bytes)
    {
        Header = header;
        _tensors = tensors;
        _bytes = bytes;
        FeatureCount = header.Input.Aggregate(1, (a, b) => a * b);
        Labels = header.Labels;
    }

    public NeuralHeader Header { get; }

    public override int FeatureCount { get; }

    public override IReadOnlyList<string> Labels { get; }

    /// <summary>Writes a model file from a header and its tensors' values (in the header's order).</summary>
    public static byte[] Write(NeuralHeader header, IReadOnlyList<float[]> values)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        using var stream = new MemoryStream();
        stream.Write(Magic);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, FormatVersion);
        stream.Write(number);
        BinaryPrimitives.WriteInt32LittleEndian(number, json.Length);
        stream.Write(number);
        stream.Write(json);
        for (var i = 0; i < header.Tensors.Count; i++)
        {
            if (values[i].Length != header.Tensors[i].Length)
            {
                throw new ArgumentException($"tensor {header.Tensors[i].Name} has {values[i].Length} values, its shape {values[i].Length} says {header.Tensors[i].Length}", nameof(values));
            }

            foreach (var value in values[i])
            {
                BinaryPrimitives.WriteSingleLittleEndian(number, value);
                stream.Write(number);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Reads a model file; anything out of shape is an error naming <paramref name="name"/> and what is wrong.</summary>
    public static NeuralClassifier Read(byte[] bytes, string name)
    {
        MediaException Bad(string why) => new(MediaErrorKind.InvalidInput, $"{name} is not a neural model: {why}");
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw Bad("it does not start with MCNN");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (version != FormatVersion)
        {
            throw Bad($"format version {version}, this build reads {FormatVersion}");
        }

        if (length <= 0 || length > bytes.Length - 12)
        {
            throw Bad($"its header says {length} bytes, the file has {bytes.Length - 12} after the first 12");
        }

        NeuralHeader header;
        try
        {
            header = JsonSerializer.Deserialize<NeuralHeader>(bytes.AsSpan(12, length)) ?? throw Bad("its header is null");
        }
        catch (JsonException ex)
        {
            throw Bad($"its header is not JSON ({ex.Message})");
        }

        if (header.Network is null || header.Input is null || header.Labels is null || header.Tensors is null)
        {
            throw Bad("its header lacks network, input, labels or tensors");
        }

        if (header.Tensors.Any(t => t?.Name is null || t.Shape is null || t.Shape.Count is 0 or > 4 || t.Shape.Any(d => d is <= 0 or > 1 << 20)))
        {
            throw Bad("a tensor has no name or a shape out of bounds");
        }

        var floats = header.Tensors.Sum(t => (long)t.Shape.Aggregate(1L, (a, b) => a * b));
        if (floats > MaxFloats || 12 + length + floats * 4 != bytes.Length)
        {
            throw Bad($"its tensors hold {floats} floats, the file has room for {(bytes.Length - 12 - length) / 4}");
        }

        var tensors = new Dictionary<string, (float[] Values, IReadOnlyList<int> Shape)>(StringComparer.Ordinal);
        var at = 12 + length;
        foreach (var tensor in header.Tensors)
        {
            var values = new float[tensor.Length];
            for (var i = 0; i < values.Length; i++, at += 4)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at));
            }

            tensors[tensor.Name] = (values, tensor.Shape);
        }

        var model = new NeuralClassifier(header, tensors, bytes);
        model.CheckShapes(Bad);
        return model;
    }

    public override byte[] ToBytes() => (byte[])_bytes.Clone();

    public override Prediction Predict(float[] features)
    {
        var scores = Scores(features);
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        TensorPrimitives.SoftMax(scores, scores);
        return new Prediction(Labels[best], scores[best]);
    }

    /// <summary>The network's outputs (before the softmax), one per label.</summary>
    public float[] Scores(float[] features)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"the model takes {FeatureCount} features, not {features.Length}", nameof(features));
        }

        return Header.Network == "cnn" ? Cnn(features) : Mlp(features);
    }

    private float[] Cnn(float[] input)
    {
        var (channels, height, width) = (Header.Input[0], Header.Input[1], Header.Input[2]);
        var x = Conv3x3(input, channels, height, width, "conv1");
        (x, height, width) = ReluPool(x, 32, height, width);
        x = Conv3x3(x, 32, height, width, "conv2");
        (x, height, width) = ReluPool(x, 64, height, width);
        var hidden = Linear(x, "fc1");
        TensorPrimitives.Max(hidden, 0f, hidden);
        return Linear(hidden, "fc2");
    }

    private float[] Mlp(float[] input)
    {
        var x = new float[input.Length];
        TensorPrimitives.Subtract(input, _tensors["input.mean"].Values, x);
        TensorPrimitives.Divide(x, _tensors["input.std"].Values, x);
        var hidden = Linear(x, "fc1");
        TensorPrimitives.Max(hidden, 0f, hidden);
        return Linear(hidden, "fc2");
    }

    /// <summary>A 3×3 convolution with padding 1 (the output is as large as the input), by rows of patches.</summary>
    private float[] Conv3x3(float[] input, int channels, int height, int width, string layer)
    {
        var (weight, shape) = _tensors[layer + ".weight"];
        var bias = _tensors[layer + ".bias"].Values;
        var outputs = shape[0];
        var patch = channels * 9;
        var patches = new float[height * width * patch];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = (y * width + x) * patch;
                for (var c = 0; c < channels; c++)
                {
                    for (var dy = -1; dy <= 1; dy++)
                    {
                        for (var dx = -1; dx <= 1; dx++, at++)
                        {
                            var (yy, xx) = (y + dy, x + dx);
                            patches[at] = yy < 0 || yy >= height || xx < 0 || xx >= width ? 0 : input[(c * height + yy) * width + xx];
                        }
                    }
                }
            }
        }

        var output = new float[outputs * height * width];
        for (var o = 0; o < outputs; o++)
        {
            var kernel = weight.AsSpan(o * patch, patch);
            for (var p = 0; p < height * width; p++)
            {
                output[o * height * width + p] = bias[o] + TensorPrimitives.Dot(kernel, patches.AsSpan(p * patch, patch));
            }
        }

        return output;
    }

    private static (float[] Output, int Height, int Width) ReluPool(float[] input, int channels, int height, int width)
    {
        var (h, w) = (height / 2, width / 2);
        var output = new float[channels * h * w];
        for (var c = 0; c < channels; c++)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var top = (c * height + 2 * y) * width + 2 * x;
                    var max = MathF.Max(MathF.Max(input[top], input[top + 1]), MathF.Max(input[top + width], input[top + width + 1]));
                    output[(c * h + y) * w + x] = MathF.Max(max, 0);
                }
            }
        }

        return (output, h, w);
    }

    private float[] Linear(float[] input, string layer)
    {
        var (weight, shape) = _tensors[layer + ".weight"];
        var bias = _tensors[layer + ".bias"].Values;
        var output = new float[shape[0]];
        for (var o = 0; o < output.Length; o++)
        {
            output[o] = bias[o] + TensorPrimitives.Dot(weight.AsSpan(o * input.Length, input.Length), input);
        }

        return output;
    }

    /// <summary>Checks that the tensors are the ones the network needs, each of the shape its input and labels make.</summary>
    private void CheckShapes(Func<string, MediaException> bad)
    {
        void Expect(string tensor, params int[] shape)
        {
            if (!_tensors.TryGetValue(tensor, out var found))
            {
                throw bad($"the {Header.Network} network needs a tensor {tensor}");
            }

            if (!found.Shape.SequenceEqual(shape))
            {
                throw bad($"{tensor} is [{string.Join(", ", found.Shape)}], the network needs [{string.Join(", ", shape)}]");
            }
        }

        if (Labels.Count < 2)
        {
            throw bad("it has fewer than two labels");
        }

        switch (Header.Network)
        {
            case "cnn" when Header.Input is [var channels and > 0 and <= 4, var height and >= 4 and <= 1024, var width and >= 4 and <= 1024]:
                Expect("conv1.weight", 32, channels, 3, 3);
                Expect("conv1.bias", 32);
                Expect("conv2.weight", 64, 32, 3, 3);
                Expect("conv2.bias", 64);
                var hidden = _tensors.TryGetValue("fc1.bias", out var fc1) ? fc1.Shape[0] : 0;
                Expect("fc1.weight", hidden, 64 * (height / 2 / 2) * (width / 2 / 2));
                Expect("fc2.weight", Labels.Count, hidden);
                Expect("fc2.bias", Labels.Count);
                break;
            case "mlp" when Header.Input is [var features and > 0]:
                var units = _tensors.TryGetValue("fc1.bias", out var first) ? first.Shape[0] : 0;
                Expect("input.mean", features);
                Expect("input.std", features);
                Expect("fc1.weight", units, features);
                Expect("fc2.weight", Labels.Count, units);
                Expect("fc2.bias", Labels.Count);
                if (_tensors["input.std"].Values.Any(s => !(s > 0)))
                {
                    throw bad("input.std holds a value that is not above zero");
                }

                break;
            default:
                throw bad($"network '{Header.Network}' with input [{string.Join(", ", Header.Input)}] is not one this build runs ({string.Join(", ", Networks)})");
        }
    }
}
