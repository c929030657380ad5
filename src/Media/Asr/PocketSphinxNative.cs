using System.Runtime.InteropServices;

namespace MediaCluster.Media.Asr;

/// <summary>The few pocketsphinx 5prealpha / sphinxbase calls used (Debian libpocketsphinx3, libsphinxbase3).</summary>
internal static unsafe partial class PocketSphinxNative
{
    private const string Ps = "libpocketsphinx.so.3";
    private const string Sb = "libsphinxbase.so.3";

    [LibraryImport(Ps)]
    public static partial nint ps_args();

    [LibraryImport(Sb)]
    public static partial nint cmd_ln_parse_r(nint inoutCmdln, nint definitions, int argc, nint* argv, int strict);

    [LibraryImport(Sb)]
    public static partial int cmd_ln_free_r(nint cmdln);

    [LibraryImport(Ps)]
    public static partial nint ps_init(nint config);

    [LibraryImport(Ps)]
    public static partial int ps_free(nint decoder);

    [LibraryImport(Ps)]
    public static partial int ps_start_utt(nint decoder);

    [LibraryImport(Ps)]
    public static partial int ps_process_raw(nint decoder, short* data, nuint samples, int noSearch, int fullUtterance);

    [LibraryImport(Ps)]
    public static partial int ps_end_utt(nint decoder);

    [LibraryImport(Ps)]
    public static partial nint ps_get_hyp(nint decoder, int* bestScore);

    [LibraryImport(Ps)]
    public static partial int ps_get_prob(nint decoder);

    [LibraryImport(Ps)]
    public static partial nint ps_get_logmath(nint decoder);

    [LibraryImport(Ps)]
    public static partial nint ps_seg_iter(nint decoder);

    [LibraryImport(Ps)]
    public static partial nint ps_seg_next(nint segment);

    [LibraryImport(Ps)]
    public static partial nint ps_seg_word(nint segment);

    [LibraryImport(Ps)]
    public static partial void ps_seg_frames(nint segment, int* startFrame, int* endFrame);

    [LibraryImport(Ps)]
    public static partial int ps_seg_prob(nint segment, int* acousticScore, int* languageScore, int* languageBackoff);

    [LibraryImport(Ps)]
    public static partial void ps_seg_free(nint segment);

    [LibraryImport(Ps, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ps_set_jsgf_string(nint decoder, string name, string jsgf);

    [LibraryImport(Ps, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ps_set_search(nint decoder, string name);

    [LibraryImport(Ps)]
    public static partial nint ps_get_search(nint decoder);

    /// <summary>The word's phones, allocated by the library (free it), or NULL when the dictionary lacks it.</summary>
    [LibraryImport(Ps, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ps_lookup_word(nint decoder, string word);

    /// <summary>An iterator at the best hypothesis of the last utterance's lattice, or NULL.</summary>
    [LibraryImport(Ps)]
    public static partial nint ps_nbest(nint decoder);

    /// <summary>The next hypothesis, or NULL (the iterator then freed itself).</summary>
    [LibraryImport(Ps)]
    public static partial nint ps_nbest_next(nint nbest);

    [LibraryImport(Ps)]
    public static partial nint ps_nbest_hyp(nint nbest, int* score);

    [LibraryImport(Ps)]
    public static partial nint ps_nbest_seg(nint nbest);

    [LibraryImport(Ps)]
    public static partial void ps_nbest_free(nint nbest);

    /// <summary>Sets sphinxbase's one process-wide log stream; NULL turns its logging off.</summary>
    [LibraryImport(Sb)]
    public static partial void err_set_logfp(nint stream);

    [LibraryImport(Sb)]
    public static partial double logmath_exp(nint logmath, int logValue);
}
