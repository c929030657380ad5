using System.Buffers.Binary;
using System.Text;

namespace MediaCluster.Media.Asr;

/// <summary>What a whisper.cpp ggml model file says about itself (read and checked by <see cref="WhisperModelFile.Read"/>).</summary>
/// <param name="Name">The model's size name, e.g. "base.en" (English-only models end in ".en").</param>
public sealed record WhisperModelInfo(
    string Name, bool Multilingual, int Vocabulary, int AudioState, int AudioLayers, int TextLayers, int Mels, int FileType, int Tensors)
{
    /// <summary>The first special token (end of text); every text token's id is below it.</summary>
    public int EndOfText => Multilingual ? 50257 : 50256;
}

/// <summary>
/// Reads and checks a whisper.cpp ggml model file before the native library sees it. whisper.cpp trusts its input:
/// a vocabulary without a " " token or with ids past the logits aborts the whole process (<c>std::out_of_range</c>)
/// or writes out of bounds in the middle of a job, so a node refuses such a file at start instead. The layout checked
/// (all little-endian): magic "ggml", 11 int32 hyper-parameters, the mel filter bank, the vocabulary (count, then
/// length-prefixed UTF-8 tokens), then tensor records (dims, name length, type, shape, name, data) to the end.
/// </summary>
public static class WhisperModelFile
{
    /// <summary>"ggml" read as a little-endian uint32.</summary>
    public const uint Magic = 0x67676d6c;

    /// <summary>Vocabulary sizes of the released models: English-only, multilingual, large-v3.</summary>
    public static readonly IReadOnlyList<int> VocabularySizes = [51864, 51865, 51866];

    /// <summary>ggml tensor types a whisper file may hold, with (bytes per block, values per block).</summary>
    private static readonly Dictionary<int, (int Bytes, int Block)> s_tensorTypes = new()
    {
        [0] = (4, 1), [1] = (2, 1), [2] = (18, 32), [3] = (20, 32), [6] = (22, 32), [7] = (24, 32), [8] = (34, 32),
        [10] = (84, 256), [11] = (110, 256), [12] = (144, 256), [13] = (176, 256), [14] = (210, 256),
    };

    /// <summary>whisper.cpp's file types (hparams.ftype modulo the quantisation version factor 1000).</summary>
    private static readonly HashSet<int> s_fileTypes = [0, 1, 2, 3, 7, 8, 9, 10, 11, 12, 13, 14];

    /// <summary>Reads the header, vocabulary and every tensor record of <paramref name="path"/>; throws a <see cref="MediaException"/> naming the problem.</summary>
    public static WhisperModelInfo Read(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw Bad(path, $"cannot be read ({ex.Message})", MediaErrorKind.NotFound, ex);
        }

        using (stream)
        {
            try
            {
                return Read(stream, path);
            }
            catch (EndOfStreamException)
            {
                throw Bad(path, "ends early (a truncated download?)");
            }
        }
    }

    private static WhisperModelInfo Read(FileStream stream, string path)
    {
        var reader = new Reader(stream);
        var header = ReadHeader(reader, path);
        var filterMels = reader.Int32();
        var filterBins = reader.Int32();
        Require(path, filterMels == header.Mels && filterBins is > 0 and <= 1024, $"has a mel filter bank of {filterMels}×{filterBins} (expected {header.Mels} bands)");
        reader.Skip(4L * filterMels * filterBins);
        ReadVocabulary(reader, path, header.Vocabulary);
        var tensors = ReadTensors(reader, stream.Length, path, header.AudioLayers, header.TextLayers);

        var multilingual = header.Vocabulary >= 51865;
        var family = header.AudioLayers switch { 4 => "tiny", 6 => "base", 12 => "small", 24 => "medium", 32 => "large", _ => $"{header.AudioLayers}-layer" };
        return new WhisperModelInfo(
            multilingual ? family : family + ".en", multilingual, header.Vocabulary, header.AudioState, header.AudioLayers, header.TextLayers, header.Mels, header.FileType, tensors);
    }

    /// <summary>The magic and the eleven hyper-parameters, each within what a whisper model has.</summary>
    private static Header ReadHeader(Reader reader, string path)
    {
        var magic = reader.UInt32();
        if (magic != Magic)
        {
            throw Bad(path, magic == 0x46554747 ? "is a GGUF file (llama.cpp's format); whisper needs a ggml whisper model such as ggml-base.en.bin"
                : "is not a ggml whisper model (no 'ggml' magic at its start); use one of whisper.cpp's ggml-*.bin files");
        }

        var h = new int[11];
        for (var i = 0; i < h.Length; i++)
        {
            h[i] = reader.Int32();
        }

        var (vocabulary, audioContext, audioState, audioHeads, audioLayers, textContext, textState, textHeads, textLayers, mels, fileType) =
            (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10]);
        Require(path, VocabularySizes.Contains(vocabulary), $"has a vocabulary of {vocabulary} tokens (whisper models have {string.Join(", ", VocabularySizes)})");
        Require(path, audioContext is > 0 and <= 1500 && textContext is > 0 and <= 448, $"has context sizes {audioContext}/{textContext} (at most 1500 audio, 448 text)");
        Require(path, audioState is > 0 and <= 8192 && textState == audioState, $"has state sizes {audioState}/{textState} (equal, at most 8192)");
        Require(path, audioHeads > 0 && textHeads > 0 && audioState % audioHeads == 0 && textState % textHeads == 0, $"has {audioHeads}/{textHeads} attention heads, which do not divide the state size {audioState}");
        Require(path, audioLayers is > 0 and <= 64 && textLayers is > 0 and <= 64, $"has {audioLayers}/{textLayers} layers (1–64)");
        Require(path, mels is 80 or 128, $"has {mels} mel bands (80 or 128)");
        Require(path, s_fileTypes.Contains(fileType % 1000), $"has an unknown weight type {fileType}");
        return new Header(vocabulary, audioState, audioLayers, textLayers, mels, fileType);
    }

    /// <summary>The tokenizer's tokens, each of a sane length, with the " " token whisper.cpp needs.</summary>
    private static void ReadVocabulary(Reader reader, string path, int vocabulary)
    {
        var tokens = reader.Int32();
        Require(path, tokens > 0 && tokens <= vocabulary, $"lists {tokens} tokens for a vocabulary of {vocabulary}");
        var hasSpace = false;
        for (var i = 0; i < tokens; i++)
        {
            var length = reader.UInt32();
            Require(path, length <= 1024, $"has a token {i} of {length} bytes");
            var token = reader.Bytes((int)length);
            hasSpace |= token is [(byte)' '];
        }

        // whisper.cpp looks " " up unguarded to suppress a blank start: a vocabulary without it aborts the process.
        Require(path, hasSpace, "has no \" \" token in its vocabulary (an incomplete or foreign tokenizer); whisper.cpp would abort on it");
    }

    /// <summary>Every tensor record, each one the layout expects, once, and within the file; returns how many.</summary>
    private static int ReadTensors(Reader reader, long fileLength, string path, int audioLayers, int textLayers)
    {
        var expected = TensorNames(audioLayers, textLayers);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Position < fileLength)
        {
            var dims = reader.Int32();
            var nameLength = reader.Int32();
            var type = reader.Int32();
            Require(path, dims is > 0 and <= 4 && nameLength is > 0 and <= 256, $"has a malformed tensor record at byte {reader.Position - 12}");
            Require(path, s_tensorTypes.TryGetValue(type, out var size), $"has a tensor of unknown type {type} at byte {reader.Position - 12}");
            long elements = 1;
            for (var d = 0; d < dims; d++)
            {
                var extent = reader.Int32();
                Require(path, extent > 0, $"has a tensor with a dimension of {extent}");
                elements *= extent;
            }

            var name = Encoding.UTF8.GetString(reader.Bytes(nameLength));
            Require(path, expected.Contains(name), $"has a tensor '{name}' that a model of {audioLayers}/{textLayers} layers does not have");
            Require(path, seen.Add(name), $"has the tensor '{name}' twice");
            var bytes = elements / size.Block * size.Bytes;
            Require(path, reader.Position + bytes <= fileLength, $"ends inside tensor '{name}' (a truncated download?)");
            reader.Skip(bytes);
        }

        var missing = expected.Except(seen).ToList();
        Require(path, missing.Count == 0, $"lacks {missing.Count} of its {expected.Count} tensors (first: '{missing.FirstOrDefault()}'; a truncated download?)");
        return seen.Count;
    }

    private static void Require(string path, bool condition, string problem)
    {
        if (!condition)
        {
            throw Bad(path, problem);
        }
    }

    private sealed record Header(int Vocabulary, int AudioState, int AudioLayers, int TextLayers, int Mels, int FileType);

    /// <summary>The tensor names of whisper.cpp's layout for these layer counts (10 + 15 per encoder layer + 24 per decoder layer).</summary>
    public static IReadOnlySet<string> TensorNames(int audioLayers, int textLayers)
    {
        var names = new HashSet<string>(StringComparer.Ordinal)
        {
            "encoder.positional_embedding", "encoder.conv1.weight", "encoder.conv1.bias", "encoder.conv2.weight", "encoder.conv2.bias",
            "encoder.ln_post.weight", "encoder.ln_post.bias", "decoder.positional_embedding", "decoder.token_embedding.weight",
            "decoder.ln.weight", "decoder.ln.bias",
        };
        string[] block = ["mlp_ln.weight", "mlp_ln.bias", "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias", "attn_ln.weight", "attn_ln.bias",
            "attn.query.weight", "attn.query.bias", "attn.key.weight", "attn.value.weight", "attn.value.bias", "attn.out.weight", "attn.out.bias"];
        string[] cross = ["cross_attn_ln.weight", "cross_attn_ln.bias", "cross_attn.query.weight", "cross_attn.query.bias", "cross_attn.key.weight",
            "cross_attn.value.weight", "cross_attn.value.bias", "cross_attn.out.weight", "cross_attn.out.bias"];
        for (var i = 0; i < audioLayers; i++)
        {
            names.UnionWith(block.Select(b => $"encoder.blocks.{i}.{b}"));
        }

        for (var i = 0; i < textLayers; i++)
        {
            names.UnionWith(block.Concat(cross).Select(b => $"decoder.blocks.{i}.{b}"));
        }

        return names;
    }

    private static MediaException Bad(string path, string problem, MediaErrorKind kind = MediaErrorKind.InvalidInput, Exception? inner = null) =>
        new(kind, $"The whisper model '{path}' {problem}.", inner);

    /// <summary>Little-endian reads that throw <see cref="EndOfStreamException"/> at the end of the file.</summary>
    private sealed class Reader(Stream stream)
    {
        private readonly byte[] _four = new byte[4];

        public long Position => stream.Position;

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Fill(_four));

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Fill(_four));

        public byte[] Bytes(int count) => Fill(new byte[count]);

        public void Skip(long count)
        {
            if (stream.Position + count > stream.Length)
            {
                throw new EndOfStreamException();
            }

            stream.Seek(count, SeekOrigin.Current);
        }

        private byte[] Fill(byte[] buffer)
        {
            stream.ReadExactly(buffer);
            return buffer;
        }
    }
}
