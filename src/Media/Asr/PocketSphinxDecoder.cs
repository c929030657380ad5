using System.Runtime.InteropServices;
using static MediaCluster.Media.Asr.PocketSphinxNative;

namespace MediaCluster.Media.Asr;

/// <summary>Where the pocketsphinx model lives and how hard the decoder searches.</summary>
public sealed record PocketSphinxOptions
{
    /// <summary>The model folder of Debian's pocketsphinx-en-us.</summary>
    public string ModelDirectory { get; init; } = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>
    /// Extra decoder flags as name/value pairs. Default: "-fwdflat no" — on VAD-cut LibriVox segments the flat
    /// second pass cost accuracy (WER over the five clips 35 % with it, 28 % without) and time; the best-path
    /// pass stays on, since word confidences are its lattice posteriors. "-cmn batch" and "-remove_noise no":
    /// cepstral mean normalisation from each whole segment and no running noise-floor estimate, so a result
    /// never depends on what the decoder heard before (otherwise the same segment was recognised differently
    /// on another decoder, and a resumed job's transcript differed from an uninterrupted one).
    /// </summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = ["-fwdflat", "no", "-cmn", "batch", "-remove_noise", "no"];
}

/// <summary>
/// One pocketsphinx decoder (≈0.5 s and ≈100 MB to create): not thread-safe, so a pool hands each to one
/// caller at a time. Frames are 10 ms.
/// </summary>
internal sealed unsafe partial class PocketSphinxDecoder : IDisposable
{
    private const double FrameSeconds = 0.01;
    private static readonly Lock s_logGate = new();
    private static bool s_logSilenced;
    private nint _decoder;

    public PocketSphinxDecoder(PocketSphinxOptions options)
    {
        var model = options.ModelDirectory;
        var hmm = Path.Combine(model, "en-us");
        var lm = Path.Combine(model, "en-us.lm.bin");
        var dict = Path.Combine(model, "cmudict-en-us.dict");
        foreach (var required in new[] { hmm, lm, dict })
        {
            if (!Path.Exists(required))
            {
                throw new MediaException(MediaErrorKind.ToolMissing, $"The pocketsphinx model is missing '{required}'; install 'pocketsphinx-en-us' (./mc setup).");
            }
        }

        SilenceLog();
        string[] args = ["mediacluster", "-hmm", hmm, "-lm", lm, "-dict", dict, .. options.ExtraArguments];
        var argv = args.Select(a => Marshal.StringToCoTaskMemUTF8(a)).ToArray();
        try
        {
            nint config;
            fixed (nint* p = argv)
            {
                config = cmd_ln_parse_r(0, ps_args(), argv.Length, p, 1);
            }

            if (config == 0)
            {
                throw new MediaException(MediaErrorKind.ToolFailed, $"pocketsphinx rejected its arguments: {string.Join(' ', args.Skip(1))}");
            }

            _decoder = ps_init(config);
            cmd_ln_free_r(config);
            if (_decoder == 0)
            {
                throw new MediaException(MediaErrorKind.ToolFailed, $"pocketsphinx could not load the model in '{model}'.");
            }

            _defaultSearch = Marshal.PtrToStringUTF8(ps_get_search(_decoder)) ?? string.Empty;
        }
        catch (DllNotFoundException ex)
        {
            throw new MediaException(MediaErrorKind.ToolMissing, "libpocketsphinx.so.3 is not installed; install 'libpocketsphinx3' (./mc setup).", ex);
        }
        finally
        {
            foreach (var a in argv)
            {
                Marshal.FreeCoTaskMem(a);
            }
        }
    }

    /// <summary>Recognises a whole utterance at once.</summary>
    public Recognition Decode(ReadOnlySpan<short> samples)
    {
        Start();
        Feed(samples, fullUtterance: true);
        return End();
    }

    public void Start() => Check(ps_start_utt(_decoder), "ps_start_utt");

    public void Feed(ReadOnlySpan<short> samples, bool fullUtterance = false)
    {
        fixed (short* p = samples)
        {
            if (ps_process_raw(_decoder, p, (nuint)samples.Length, 0, fullUtterance ? 1 : 0) < 0)
            {
                throw new MediaException(MediaErrorKind.ToolFailed, "pocketsphinx failed to process audio.");
            }
        }
    }

    public string Partial()
    {
        int score;
        return Clean(Marshal.PtrToStringUTF8(ps_get_hyp(_decoder, &score)) ?? string.Empty);
    }

    /// <summary>Ends the utterance: its best hypothesis, and with <paramref name="alternatives"/> &gt; 0 up to that many n-best ones.</summary>
    public Recognition End(int alternatives = 0)
    {
        var best = EndBest();
        return alternatives > 0 && best.Text.Length > 0 ? best with { Alternatives = NBest(alternatives, best) } : best;
    }

    private Recognition EndBest()
    {
        Check(ps_end_utt(_decoder), "ps_end_utt");
        int score;
        var text = Marshal.PtrToStringUTF8(ps_get_hyp(_decoder, &score));
        if (string.IsNullOrWhiteSpace(text))
        {
            return Recognition.Empty;
        }

        var utteranceConfidence = Math.Clamp(logmath_exp(ps_get_logmath(_decoder), ps_get_prob(_decoder)), 0, 1);
        var words = Words(ps_seg_iter(_decoder), withConfidence: true);
        return new Recognition(string.Join(' ', words.Select(w => w.Text)), words, utteranceConfidence);
    }

    /// <summary>The words of a segmentation (fillers left out), times from its first frame; confidences from its posteriors when asked.</summary>
    private List<RecognizedWord> Words(nint segments, bool withConfidence)
    {
        var logmath = ps_get_logmath(_decoder);
        var words = new List<RecognizedWord>();

        // The segmentation covers the utterance from its first frame, but a decoder that has decoded utterances before
        // numbers its frames on from theirs (pocketsphinx 5prealpha): the first segment's start is the utterance's frame 0.
        int? firstFrame = null;
        for (var seg = segments; seg != 0; seg = ps_seg_next(seg))
        {
            int start, end, acoustic, language, backoff;
            ps_seg_frames(seg, &start, &end);
            firstFrame ??= start;
            var word = Marshal.PtrToStringUTF8(ps_seg_word(seg)) ?? string.Empty;
            if (IsFiller(word))
            {
                continue;
            }

            var posterior = withConfidence ? ps_seg_prob(seg, &acoustic, &language, &backoff) : 0;
            words.Add(new RecognizedWord(
                StripAlternate(word),
                TimeSpan.FromSeconds((start - firstFrame.Value) * FrameSeconds),
                TimeSpan.FromSeconds((end + 1 - firstFrame.Value) * FrameSeconds),
                withConfidence ? Math.Clamp(logmath_exp(logmath, posterior), 0, 1) : 1));
        }

        return words;
    }

    public void Dispose()
    {
        if (_decoder != 0)
        {
            ps_free(_decoder);
            _decoder = 0;
        }
    }

    /// <summary>
    /// Turns sphinxbase's logging off, once per process. Its log stream is one global: "-logfn" on each decoder
    /// reopened it and closed the previous one while decoders starting on other threads were still writing to it
    /// (heap corruption: "malloc(): unaligned tcache chunk detected" when several decoders start at once).
    /// </summary>
    private static void SilenceLog()
    {
        lock (s_logGate)
        {
            if (!s_logSilenced)
            {
                err_set_logfp(0);
                s_logSilenced = true;
            }
        }
    }

    private static void Check(int result, string call)
    {
        if (result < 0)
        {
            throw new MediaException(MediaErrorKind.ToolFailed, $"pocketsphinx {call} failed ({result}).");
        }
    }

    /// <summary>Silence, noise and sentence marks, and a grammar's null transitions ("(NULL)"): no word.</summary>
    private static bool IsFiller(string word) =>
        word.Length == 0 || word[0] is '<' or '[' or '(';

    private static string StripAlternate(string word)
    {
        var paren = word.IndexOf('(');
        return paren > 0 ? word[..paren] : word;
    }

    private static string Clean(string hypothesis) =>
        string.Join(' ', hypothesis.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !IsFiller(w)).Select(StripAlternate));
}
