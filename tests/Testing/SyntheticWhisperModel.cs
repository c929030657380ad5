using System.Buffers.Binary;
using System.Text;

namespace MediaCluster.Testing;

/// <summary>The hyper-parameters of a whisper model's layout (whisper.cpp's ggml header).</summary>
public sealed record WhisperShape(string Name, int State, int Heads, int AudioLayers, int TextLayers, int Vocabulary = 51864, int Mels = 80)
{
    /// <summary>tiny.en's layout with the width cut to 64 and two layers each: loads and runs in well under a second.</summary>
    public static WhisperShape TinyScaledDown { get; } = new("tiny.en-scaled-down", 64, 2, 2, 2);

    /// <summary>The released tiny.en's shapes (39 M parameters).</summary>
    public static WhisperShape TinyEn { get; } = new("tiny.en", 384, 6, 4, 4);

    /// <summary>The released base.en's shapes (74 M parameters): what compute costs with a real model of that size.</summary>
    public static WhisperShape BaseEn { get; } = new("base.en", 512, 8, 6, 6);
}

/// <summary>
/// Writes a whisper.cpp ggml model with random weights and a made-up vocabulary, in the exact file layout and tensor
/// shapes of a real model of <see cref="WhisperShape"/>. No real whisper weights can be fetched here; such a file lets
/// tests exercise the real native library end to end (loading, decoding, timestamps, threads, cancelling) and lets a
/// benchmark measure compute cost. The words it produces mean nothing.
/// </summary>
public static class SyntheticWhisperModel
{
    private const int AudioContext = 1500;
    private const int TextContext = 448;
    private const int TextTokens = 50256;

    /// <summary>Writes the model to <paramref name="path"/>; the same seed gives the same file.</summary>
    public static void Write(string path, WhisperShape shape, int seed = 1, Action<BinaryWriter, int>? vocabulary = null)
    {
        using var file = new BinaryWriter(new BufferedStream(File.Create(path), 1 << 20));
        var model = new Writer(file, new Random(seed), shape.State);
        file.Write(0x67676d6c);
        int[] header = [shape.Vocabulary, AudioContext, shape.State, shape.Heads, shape.AudioLayers, TextContext, shape.State, shape.Heads, shape.TextLayers, shape.Mels, 1];
        foreach (var value in header)
        {
            file.Write(value);
        }

        model.Filters(shape.Mels);
        (vocabulary ?? WriteVocabulary)(file, TextTokens);

        var s = shape.State;
        model.Tensor("encoder.positional_embedding", F32, model.Random(0.02f), s, AudioContext);
        model.Tensor("encoder.conv1.weight", F16, model.Random(0.05f), 3, shape.Mels, s);
        model.Tensor("encoder.conv1.bias", F32, Zero, 1, s);
        model.Tensor("encoder.conv2.weight", F16, model.Random(0.05f), 3, s, s);
        model.Tensor("encoder.conv2.bias", F32, Zero, 1, s);
        model.Tensor("encoder.ln_post.weight", F32, One, s);
        model.Tensor("encoder.ln_post.bias", F32, Zero, s);
        for (var i = 0; i < shape.AudioLayers; i++)
        {
            model.Block($"encoder.blocks.{i}.", cross: false);
        }

        model.Tensor("decoder.positional_embedding", F32, model.Random(0.02f), s, TextContext);
        model.Tensor("decoder.token_embedding.weight", F16, model.Random(0.02f), s, shape.Vocabulary);
        model.Tensor("decoder.ln.weight", F32, One, s);
        model.Tensor("decoder.ln.bias", F32, Zero, s);
        for (var i = 0; i < shape.TextLayers; i++)
        {
            model.Block($"decoder.blocks.{i}.", cross: true);
        }
    }

    /// <summary>The vocabulary written by default: " ", letters, then " w1", " w2", … up to the first special token.</summary>
    public static void WriteVocabulary(BinaryWriter file, int count)
    {
        file.Write(count);
        for (var i = 0; i < count; i++)
        {
            Token(file, i switch
            {
                0 => " ",
                < 27 => ((char)('a' + i - 1)).ToString(),
                < 53 => " " + (char)('a' + i - 27),
                _ => $" w{i}",
            });
        }
    }

    /// <summary>Writes one length-prefixed UTF-8 token.</summary>
    public static void Token(BinaryWriter file, string token)
    {
        var bytes = Encoding.UTF8.GetBytes(token);
        file.Write((uint)bytes.Length);
        file.Write(bytes);
    }

    private const int F32 = 0;
    private const int F16 = 1;

    private static float Zero() => 0;

    private static float One() => 1;

    /// <summary>Writes the filter bank and tensor records of one model, drawing its weights from one random sequence.</summary>
    private sealed class Writer(BinaryWriter file, Random random, int s)
    {
        /// <summary>Mel filter bank: <paramref name="mels"/> × 201 FFT bins, each band a triangle over its neighbourhood.</summary>
        public void Filters(int mels)
        {
            file.Write(mels);
            file.Write(201);
            for (var m = 0; m < mels; m++)
            {
                for (var b = 0; b < 201; b++)
                {
                    var centre = (m + 1) * 200.0 / (mels + 1);
                    file.Write((float)Math.Max(0, 1 - (Math.Abs(b - centre) / 3)));
                }
            }
        }

        public void Block(string prefix, bool cross)
        {
            foreach (var attention in cross ? new[] { "attn", "cross_attn" } : ["attn"])
            {
                Tensor($"{prefix}{attention}_ln.weight", F32, One, s);
                Tensor($"{prefix}{attention}_ln.bias", F32, Zero, s);
                Tensor($"{prefix}{attention}.query.weight", F16, Random(0.05f), s, s);
                Tensor($"{prefix}{attention}.query.bias", F32, Zero, s);
                Tensor($"{prefix}{attention}.key.weight", F16, Random(0.05f), s, s);
                Tensor($"{prefix}{attention}.value.weight", F16, Random(0.05f), s, s);
                Tensor($"{prefix}{attention}.value.bias", F32, Zero, s);
                Tensor($"{prefix}{attention}.out.weight", F16, Random(0.05f), s, s);
                Tensor($"{prefix}{attention}.out.bias", F32, Zero, s);
            }

            Tensor($"{prefix}mlp_ln.weight", F32, One, s);
            Tensor($"{prefix}mlp_ln.bias", F32, Zero, s);
            Tensor($"{prefix}mlp.0.weight", F16, Random(0.05f), s, 4 * s);
            Tensor($"{prefix}mlp.0.bias", F32, Zero, 4 * s);
            Tensor($"{prefix}mlp.2.weight", F16, Random(0.05f), 4 * s, s);
            Tensor($"{prefix}mlp.2.bias", F32, Zero, s);
        }

        /// <summary>One tensor record: dims, name length, type (0 F32, 1 F16), extents innermost first, name, data.</summary>
        public void Tensor(string name, int type, Func<float> value, params int[] extents)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            file.Write(extents.Length);
            file.Write(nameBytes.Length);
            file.Write(type);
            foreach (var extent in extents)
            {
                file.Write(extent);
            }

            file.Write(nameBytes);
            var count = extents.Aggregate(1L, (a, b) => a * b);
            var buffer = new byte[type == F32 ? 4 : 2];
            for (long i = 0; i < count; i++)
            {
                if (type == F32)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buffer, value());
                }
                else
                {
                    BinaryPrimitives.WriteHalfLittleEndian(buffer, (Half)value());
                }

                file.Write(buffer);
            }
        }

        public Func<float> Random(float scale) => () => (float)((random.NextDouble() * 2) - 1) * scale;
    }
}
