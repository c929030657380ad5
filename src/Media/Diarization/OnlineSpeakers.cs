namespace MediaCluster.Media.Diarization;

/// <summary>
/// A live session's provisional speakers: each utterance, as its final comes, joins the speaker so far whose mean its
/// windows are closest to by the same BIC test the clustering uses (<see cref="SpeakerClustering"/>), or starts a new
/// one when none is close enough. Provisional: the session's job finds the speakers again over the whole recording.
/// Not thread-safe (one per session actor).
/// </summary>
public sealed class OnlineSpeakers(double lambda = SpeakerClustering.Lambda, int maxSpeakers = SpeakerCount.DefaultMax)
{
    /// <summary>
    /// The penalty is never less than over this many utterances: early in a session the voices' variance is known from
    /// a few utterances only, and one reader's second clip was taken for a new voice.
    /// </summary>
    public const int FewestUtterances = 10;

    /// <summary>Each speaker's measured utterances, each as its windows' mean and count (none: known only from utterances too short to measure).</summary>
    private readonly List<List<(double[] Mean, int Windows)>> _speakers = [];
    private VoiceVariance.Meter? _meter;
    private int _utterances;
    private int _last = -1;

    /// <summary>The speakers so far.</summary>
    public int Count => _speakers.Count;

    /// <summary>The speaker (<c>spk1</c>…) of an utterance with these windows; one too short for a window keeps the last speaker.</summary>
    public string Assign(IReadOnlyList<float[]> windows)
    {
        if (windows.Count == 0)
        {
            if (_last < 0)
            {
                _speakers.Add([]);
                _last = 0;
            }

            return SpeakerTurns.Id(_last);
        }

        var dims = windows[0].Length;
        _meter ??= new VoiceVariance.Meter(dims);
        _meter.Add(windows);
        _utterances++;
        var variance = _meter.Variance;
        var cap = SpeakerClustering.Cap(variance);
        var utterance = (Mean: Enumerable.Range(0, dims).Select(d => windows.Average(w => (double)w[d])).ToArray(), windows.Count);
        var (precision, weighted) = Evidence([utterance], variance, dims);
        var (best, nearest) = (double.PositiveInfinity, -1);
        for (var k = 0; k < _speakers.Count; k++)
        {
            if (_speakers[k].Count == 0)
            {
                (best, nearest) = (0, k); // a speaker known only from utterances too short to measure: the first measured one is theirs
                break;
            }

            var (p, w) = Evidence(_speakers[k], variance, dims);
            var score = SpeakerClustering.Separation(precision, weighted, p, w, cap);
            if (score < best)
            {
                (best, nearest) = (score, k);
            }
        }

        if (nearest < 0 || (best > SpeakerClustering.Penalty(lambda, dims, Math.Max(_utterances, FewestUtterances)) && _speakers.Count < maxSpeakers))
        {
            _speakers.Add([utterance]);
            _last = _speakers.Count - 1;
        }
        else
        {
            _speakers[nearest].Add(utterance);
            _last = nearest;
        }

        return SpeakerTurns.Id(_last);
    }

    /// <summary>A speaker's evidence from its utterances: per dimension the precision and the precision-weighted sum of their means.</summary>
    private static (double[] Precision, double[] Weighted) Evidence(IEnumerable<(double[] Mean, int Windows)> utterances, VoiceVariance variance, int dims)
    {
        var precision = new double[dims];
        var weighted = new double[dims];
        foreach (var (mean, count) in utterances)
        {
            var p = variance.Precision(count);
            for (var d = 0; d < dims; d++)
            {
                precision[d] += p[d];
                weighted[d] += p[d] * mean[d];
            }
        }

        return (precision, weighted);
    }
}
