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

    private readonly List<(List<IReadOnlyList<float[]>> Utterances, int Windows)> _speakers = [];
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
                _speakers.Add(([], 0));
                _last = 0;
            }

            return SpeakerTurns.Id(_last);
        }

        var dims = windows[0].Length;
        _meter ??= new VoiceVariance.Meter(dims);
        _meter.Add(windows);
        _utterances++;
        var variance = _meter.Variance;
        var (precision, weighted) = Evidence([windows], variance, dims);
        var (best, nearest) = (double.PositiveInfinity, -1);
        for (var k = 0; k < _speakers.Count; k++)
        {
            if (_speakers[k].Windows == 0)
            {
                (best, nearest) = (0, k); // a speaker known only from utterances too short to measure: the first measured one is theirs
                break;
            }

            var (p, w) = Evidence(_speakers[k].Utterances, variance, dims);
            var score = SpeakerClustering.Separation(precision, weighted, p, w, SpeakerClustering.Cap(variance));
            if (score < best)
            {
                (best, nearest) = (score, k);
            }
        }

        if (nearest < 0 || (best > SpeakerClustering.Penalty(lambda, dims, Math.Max(_utterances, FewestUtterances)) && _speakers.Count < maxSpeakers))
        {
            _speakers.Add(([windows], windows.Count));
            _last = _speakers.Count - 1;
        }
        else
        {
            _speakers[nearest].Utterances.Add(windows);
            _speakers[nearest] = (_speakers[nearest].Utterances, _speakers[nearest].Windows + windows.Count);
            _last = nearest;
        }

        return SpeakerTurns.Id(_last);
    }

    /// <summary>A speaker's evidence from its utterances: per dimension the precision and the precision-weighted sum of their means.</summary>
    private static (double[] Precision, double[] Weighted) Evidence(IEnumerable<IReadOnlyList<float[]>> utterances, VoiceVariance variance, int dims)
    {
        var precision = new double[dims];
        var weighted = new double[dims];
        foreach (var utterance in utterances)
        {
            var p = variance.Precision(utterance.Count);
            for (var d = 0; d < dims; d++)
            {
                precision[d] += p[d];
                weighted[d] += p[d] * utterance.Average(w => w[d]);
            }
        }

        return (precision, weighted);
    }
}
