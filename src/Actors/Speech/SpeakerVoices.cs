using MediaCluster.Media.Diarization;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>Speaker windows as they travel and are journaled (<see cref="SpeakerWindows"/>) and as the diarizer reads them.</summary>
public static class SpeakerVoices
{
    /// <summary>The windows measured over 16 kHz speech, as a message.</summary>
    public static SpeakerWindows Measure(ReadOnlySpan<short> samples) => ToMessage(SpeakerFeatures.OfPcm16(samples));

    public static SpeakerWindows ToMessage(IReadOnlyList<(int FirstFrame, float[] Statistics)> windows)
    {
        var message = new SpeakerWindows { Dimensions = SpeakerFeatures.Dimensions };
        foreach (var (first, statistics) in windows)
        {
            message.FirstFrames.Add(first);
            message.Statistics.AddRange(statistics);
        }

        return message;
    }

    /// <summary>The windows of a message; none when it is absent or its sizes do not agree (a peer's or an old journal's).</summary>
    public static IReadOnlyList<(int FirstFrame, float[] Statistics)> Read(SpeakerWindows? message)
    {
        if (message is not { Dimensions: SpeakerFeatures.Dimensions } || message.Statistics.Count != (long)message.FirstFrames.Count * message.Dimensions)
        {
            return [];
        }

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
