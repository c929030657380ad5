using PdfSharp.Fonts;

namespace MediaCluster.Media.Reports;

/// <summary>
/// Serves DejaVu Sans (Debian's fonts-dejavu-core) to PdfSharp, which on Linux has no font source of its
/// own. Every family resolves to DejaVu Sans; bold maps to its bold face, italic is simulated.
/// </summary>
internal sealed class DejaVuFontResolver : IFontResolver
{
    public const string Family = "DejaVu Sans";
    private const string Directory = "/usr/share/fonts/truetype/dejavu";
    private static readonly Lock s_gate = new();
    private static bool s_installed;

    /// <summary>Installs the resolver once per process (PdfSharp allows setting it only before first use).</summary>
    public static void Install()
    {
        lock (s_gate)
        {
            if (s_installed)
            {
                return;
            }

            if (!File.Exists(Path.Combine(Directory, "DejaVuSans.ttf")))
            {
                throw new MediaException(MediaErrorKind.ToolMissing, $"DejaVu fonts are missing in {Directory}; install 'fonts-dejavu-core' (./mc setup).");
            }

            GlobalFontSettings.FontResolver = new DejaVuFontResolver();
            s_installed = true;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "DejaVuSans-Bold" : "DejaVuSans", mustSimulateBold: false, mustSimulateItalic: italic);

    public byte[]? GetFont(string faceName) => File.ReadAllBytes(Path.Combine(Directory, faceName + ".ttf"));
}
