using MediaCluster.Media.Diarization;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>Speaker windows as they travel and are journaled (<see cref="SpeakerWindows"/>) and as the diarizer reads them.</summary>
public static class SpeakerVoices
{
    /// <summary>The windows measured over 16 kHz speech, as a message: by <paramref name="embedder"/> when the node has one, else MFCC statistics.</summary>
    public static SpeakerWindows Measure(ReadOnlySpan<short> samples, SpeakerEmbedder? embedder = null)
    {
        if (embedder is null)
        {
            return ToMessage(SpeakerFeatures.OfPcm16(samples));
        }

        var vectors = embedder.Embed(samples);
        var message = ToMessage(vectors, vectors.Count > 0 ? vectors[0].Vector.Length : 0);
        message.Model = embedder.Id;
        message.Threshold = embedder.Threshold;
        return message;
    }

    public static SpeakerWindows ToMessage(IReadOnlyList<(int FirstFrame, float[] Statistics)> windows, int dimensions = SpeakerFeatures.Dimensions)
    {
        var message = new SpeakerWindows { Dimensions = dimensions };
        foreach (var (first, statistics) in windows)
        {
            message.FirstFrames.Add(first);
            message.Statistics.AddRange(statistics);
        }

        return message;
    }

    /// <summary>
    /// A segment's voice: its windows, and the model that measured them; none when absent or when its sizes or
    /// threshold do not hold together (a peer's or an old journal's).
    /// </summary>
    public static SegmentVoice Read(double startSeconds, double endSeconds, SpeakerWindows? message)
    {
        var (start, end) = (TimeSpan.FromSeconds(startSeconds), TimeSpan.FromSeconds(endSeconds));
        var model = message is { Model.Length: > 0 } ? new VoiceModel(message.Model, message.Threshold) : null;
        var valid = message is not null
            && (model is null
                ? message.Dimensions == SpeakerFeatures.Dimensions
                : message.Dimensions is > 0 and <= SpeakerEmbedder.MaxDimensions && model.Threshold is > 0 and <= 2)
            && message.Statistics.Count == (long)message.FirstFrames.Count * message.Dimensions
            && message.Statistics.All(float.IsFinite);
        return new SegmentVoice(start, end, valid ? Windows(message!) : [], model);
    }

    /// <summary>The windows of a live final's message (MFCC statistics only; none when it is not such).</summary>
    public static IReadOnlyList<float[]> Statistics(SpeakerWindows? message) =>
        Read(0, 0, message) is { Model: null } voice ? [.. voice.Windows.Select(w => w.Statistics)] : [];

    private static List<(int, float[])> Windows(SpeakerWindows message)
    {
        var windows = new List<(int, float[])>(message.FirstFrames.Count);
        for (var w = 0; w < message.FirstFrames.Count; w++)
        {
            var statistics = new float[message.Dimensions];
            for (var d = 0; d < statistics.Length; d++)
            {
                statistics[d] = message.Statistics[(w * message.Dimensions) + d];
            }

            windows.Add((message.FirstFrames[w], statistics));
        }

        return windows;
    }
}
