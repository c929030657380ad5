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

    /// <summary>Sets sphinxbase's one process-wide log stream; NULL turns its logging off.</summary>
    [LibraryImport(Sb)]
    public static partial void err_set_logfp(nint stream);

    [LibraryImport(Sb)]
    public static partial double logmath_exp(nint logmath, int logValue);
}
