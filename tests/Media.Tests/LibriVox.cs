namespace MediaCluster.Media.Tests;

/// <summary>The LibriVox clips of Debian's pocketsphinx-testdata and their reference transcriptions.</summary>
public static class LibriVox
{
    public const string Directory = "/usr/share/pocketsphinx/test/data/librivox";

    /// <summary>Each clip's path and reference text, in the order of the fileids list.</summary>
    public static IReadOnlyList<(string Path, string Text)> Clips { get; } = Load();

    private static List<(string, string)> Load()
    {
        var lines = File.ReadAllLines(Path.Combine(Directory, "transcription"));
        return lines
            .Where(l => l.Contains('('))
            .Select(l =>
            {
                var id = l[(l.LastIndexOf('(') + 1)..l.LastIndexOf(')')];
                var text = l[..l.LastIndexOf('(')].Replace("<s>", string.Empty).Replace("</s>", string.Empty).Trim();
                return (Path.Combine(Directory, id + ".wav"), text);
            })
            .ToList();
    }
}
