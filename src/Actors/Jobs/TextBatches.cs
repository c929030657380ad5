using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// A transcript's texts for the text classifiers, in requests that each fit one remoting frame: a long recording's
/// thousands of segments in one message would exceed it (and be dropped by Akka.Remote with only a log line).
/// </summary>
public static class TextBatches
{
    /// <summary>The most text one <see cref="ClassifyText"/> carries (UTF-8 bytes), a quarter of the frame limit.</summary>
    public static readonly int MaxBatchBytes = Hosting.MediaClusterAkka.MaxRemotingFrameBytes / 4;

    /// <summary>The longest single text classified (characters; a longer one is classified by its beginning).</summary>
    public const int MaxTextChars = 16 * 1024;

    /// <summary><paramref name="texts"/> in order, cut to <see cref="MaxTextChars"/>, as requests of at most <paramref name="maxBytes"/> of text each.</summary>
    public static IReadOnlyList<ClassifyText> Of(string jobId, IEnumerable<string> texts, int? maxBytes = null)
    {
        var limit = maxBytes ?? MaxBatchBytes;
        var batches = new List<ClassifyText>();
        ClassifyText? current = null;
        var bytes = 0;
        foreach (var whole in texts)
        {
            var text = whole.Length > MaxTextChars ? whole[..MaxTextChars] : whole;
            var size = System.Text.Encoding.UTF8.GetByteCount(text);
            if (current is null || (bytes + size > limit && current.Texts.Count > 0))
            {
                current = new ClassifyText { JobId = jobId, Batch = batches.Count };
                batches.Add(current);
                bytes = 0;
            }

            current.Texts.Add(text);
            bytes += size;
        }

        return batches;
    }
}
