using Google.Protobuf;
using MediaCluster.Media.Learning;

namespace MediaCluster.Actors.Classification;

/// <summary>
/// A text's MiniLM embedding as it travels and is recorded (<c>TextClassified.embeddings</c>): 384 signed bytes,
/// round(127 · v) of the unit vector — a quarter of its floats, and well within what ranking by cosine can tell apart.
/// </summary>
public static class TextEmbeddings
{
    public static ByteString Write(float[] embedding)
    {
        var bytes = new byte[embedding.Length];
        for (var i = 0; i < embedding.Length; i++)
        {
            bytes[i] = unchecked((byte)(sbyte)Math.Clamp(MathF.Round(embedding[i] * 127), -127, 127));
        }

        return ByteString.CopyFrom(bytes);
    }

    /// <summary>The embedding back (a multiple of the unit vector: cosines are unchanged); a recording of another length reads as zeros.</summary>
    public static float[] Read(ByteString recorded)
    {
        var embedding = new float[SentenceEmbedder.Dimensions];
        if (recorded.Length == embedding.Length)
        {
            var bytes = recorded.Span;
            for (var i = 0; i < embedding.Length; i++)
            {
                embedding[i] = unchecked((sbyte)bytes[i]) / 127f;
            }
        }

        return embedding;
    }
}
