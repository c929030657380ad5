using Google.Protobuf;
using MediaCluster.Testing.Onnx;

namespace MediaCluster.Testing;

/// <summary>
/// Writes an ONNX speaker-embedding model made of standard operators, no trained weights: 16 kHz samples
/// [batch, samples] in, per window the mean and standard deviation of its cepstral coefficients out [batch, 38] —
/// 25-ms frames every 10 ms as one convolution with windowed Fourier kernels, power, 26 mel bands, log, DCT-II (c1–c19),
/// then statistics over the frames. No speaker-embedding network can be obtained here; this file has the shape of one
/// (what <c>Node:Diarization:EmbeddingModel</c> takes) and really runs in ONNX Runtime, so tests drive that path end
/// to end. A center, when given, is subtracted from every output (a mean measured on other voices, as embedding
/// pipelines do before cosine scoring): <see cref="WriteAsync"/> measures it on voices the tests' conversations do not
/// use (espeak-ng's two, festival's ked), so cosine distances tell the tests' voices (festival's kal and slt) apart.
/// </summary>
public static class SpeakerEmbeddingModel
{
    public const int Outputs = 2 * Coefficients;

    private const int Rate = 16_000;
    private const int Frame = 400;
    private const int Step = 160;
    private const int Fft = 512;
    private const int Bins = (Fft / 2) + 1;
    private const int Bands = 26;
    private const int Coefficients = 19;

    /// <summary>The model's bytes (the same every time for the same <paramref name="center"/>).</summary>
    public static byte[] Build(float[]? center = null)
    {
        var graph = new GraphProto { Name = "mfcc-statistics" };
        graph.Input.Add(Value("audio", "batch", "samples"));
        graph.Output.Add(Value("embedding", "batch", Outputs));

        // Fourier kernels: for each bin its Hamming-windowed cosine, then its sine, each Frame taps long.
        var kernels = new float[2 * Bins * Frame];
        for (var k = 0; k < Bins; k++)
        {
            for (var t = 0; t < Frame; t++)
            {
                var window = 0.54 - (0.46 * Math.Cos(2 * Math.PI * t / (Frame - 1)));
                kernels[(k * Frame) + t] = (float)(window * Math.Cos(2 * Math.PI * k * t / Fft));
                kernels[((Bins + k) * Frame) + t] = (float)(window * Math.Sin(2 * Math.PI * k * t / Fft));
            }
        }

        // Mel bands over the power of both parts (rows: cosine bins, then sine bins), then the DCT without c0.
        var mel = new float[2 * Bins * Bands];
        static double ToMel(double hz) => 2595 * Math.Log10(1 + (hz / 700));
        var (low, high) = (ToMel(20), ToMel(7600));
        var edges = Enumerable.Range(0, Bands + 2).Select(i => 700 * (Math.Pow(10, (low + ((high - low) * i / (Bands + 1))) / 2595) - 1)).ToArray();
        for (var b = 0; b < Bands; b++)
        {
            for (var k = 0; k < Bins; k++)
            {
                var hz = k * (double)Rate / Fft;
                var weight = hz <= edges[b] || hz >= edges[b + 2] ? 0
                    : hz <= edges[b + 1] ? (hz - edges[b]) / (edges[b + 1] - edges[b])
                    : (edges[b + 2] - hz) / (edges[b + 2] - edges[b + 1]);
                mel[(k * Bands) + b] = mel[((Bins + k) * Bands) + b] = (float)weight;
            }
        }

        var dct = new float[Bands * Coefficients];
        for (var m = 0; m < Bands; m++)
        {
            for (var c = 0; c < Coefficients; c++)
            {
                dct[(m * Coefficients) + c] = (float)(Math.Sqrt(2.0 / Bands) * Math.Cos(Math.PI * (c + 1) * (m + 0.5) / Bands));
            }
        }

        graph.Initializer.Add(Floats("kernels", kernels, 2 * Bins, 1, Frame));
        graph.Initializer.Add(Floats("mel", mel, 2 * Bins, Bands));
        graph.Initializer.Add(Floats("dct", dct, Bands, Coefficients));
        graph.Initializer.Add(Floats("floor", [1e-10f]));
        graph.Initializer.Add(new TensorProto { Name = "channel", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1 }, Int64Data = { 1 } });
        graph.Initializer.Add(Floats("center", center ?? new float[Outputs], Outputs));

        graph.Node.Add(Node("Unsqueeze", ["audio", "channel"], "signal"));
        graph.Node.Add(Node("Conv", ["signal", "kernels"], "spectrum", Ints("kernel_shape", Frame), Ints("strides", Step)));
        graph.Node.Add(Node("Mul", ["spectrum", "spectrum"], "power"));
        graph.Node.Add(Node("Transpose", ["power"], "frames", Ints("perm", 0, 2, 1)));
        graph.Node.Add(Node("MatMul", ["frames", "mel"], "bands"));
        graph.Node.Add(Node("Add", ["bands", "floor"], "floored"));
        graph.Node.Add(Node("Log", ["floored"], "logs"));
        graph.Node.Add(Node("MatMul", ["logs", "dct"], "cepstra"));
        graph.Node.Add(Node("ReduceMean", ["cepstra"], "mean", Ints("axes", 1), Int("keepdims", 0)));
        graph.Node.Add(Node("Mul", ["cepstra", "cepstra"], "squares"));
        graph.Node.Add(Node("ReduceMean", ["squares"], "meanSquare", Ints("axes", 1), Int("keepdims", 0)));
        graph.Node.Add(Node("Mul", ["mean", "mean"], "squaredMean"));
        graph.Node.Add(Node("Sub", ["meanSquare", "squaredMean"], "variance"));
        graph.Node.Add(Node("Relu", ["variance"], "nonNegative"));
        graph.Node.Add(Node("Sqrt", ["nonNegative"], "deviation"));
        graph.Node.Add(Node("Concat", ["mean", "deviation"], "statistics", Int("axis", 1)));
        graph.Node.Add(Node("Sub", ["statistics", "center"], "embedding"));

        var model = new ModelProto { IrVersion = 7, ProducerName = "MediaCluster tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    /// <summary>
    /// The cosine distance within which this model's clusters are one voice, measured on 70-s kal/slt conversations:
    /// with segments cut at the made turns 0.1–0.2 found both voices (DER 0.1 %), 0.3 and more one; with Silero VAD's
    /// segments (seeds 7–9) 0.2 found both on all three (DER 10.5–11.5 %, nearly all confusion where a segment holds
    /// both voices: its windows tell voices apart less well than the built-in MFCC statistics with BIC, 1–25 % there),
    /// 0.15 a third voice on one, 0.3 one.
    /// </summary>
    public const double Threshold = 0.2;

    /// <summary>Writes the centred model to <paramref name="path"/> (voices synthesised into <paramref name="cache"/>).</summary>
    public static async Task WriteAsync(string path, string cache)
    {
        Directory.CreateDirectory(cache);
        File.WriteAllBytes(path, Build());
        var vectors = new List<float[]>();
        using (var model = new Media.Diarization.SpeakerEmbedder(path, Threshold, Media.Onnx.InferenceDevice.Cpu))
        {
            foreach (var voice in Media.Samples.Voice.Available.Where(v => v.Name is "espeak" or "espeak-f" or "ked"))
            {
                foreach (var text in s_calibration)
                {
                    var samples = await Media.Samples.ConversationMaker.SpeakAsync(voice, text, cache);
                    vectors.AddRange(model.Embed([.. samples.Select(s => (short)Math.Clamp(s * 32767, -32768, 32767))]).Select(w => w.Vector));
                }
            }
        }

        File.WriteAllBytes(path, Build([.. Enumerable.Range(0, Outputs).Select(d => (float)vectors.Average(v => v[d]))]));
    }

    private static readonly string[] s_calibration =
    [
        "The quick brown fox jumps over the lazy dog near the river bank today.",
        "We will meet again next week to talk about the plans for the new school building.",
        "Please call me back when you have a minute, there is something I need to ask.",
    ];

    private static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Ints(string name, params long[] values) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static TensorProto Floats(string name, float[] values, params long[] dims) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { dims }, FloatData = { values } };

    private static ValueInfoProto Value(string name, string batch, object second) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)TensorProto.Types.DataType.Float,
                Shape = new TensorShapeProto
                {
                    Dim =
                    {
                        new TensorShapeProto.Types.Dimension { DimParam = batch },
                        second is int size ? new TensorShapeProto.Types.Dimension { DimValue = size } : new TensorShapeProto.Types.Dimension { DimParam = (string)second },
                    },
                },
            },
        },
    };
}
