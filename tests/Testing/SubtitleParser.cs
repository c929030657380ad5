using System.Globalization;

namespace MediaCluster.Testing;

/// <summary>A subtitle cue as read back from SRT or WebVTT.</summary>
public sealed record SubtitleCue(TimeSpan Start, TimeSpan End, string Text);

/// <summary>Reads SRT and WebVTT cues (times and text; styling and settings ignored).</summary>
public static class SubtitleParser
{
    /// <summary>Parses SubRip text.</summary>
    public static IReadOnlyList<SubtitleCue> ParseSrt(string text) => Parse(text, ',');

    /// <summary>Parses WebVTT text; the first line must be the WEBVTT header.</summary>
    public static IReadOnlyList<SubtitleCue> ParseVtt(string text)
    {
        if (!text.StartsWith("WEBVTT", StringComparison.Ordinal))
        {
            throw new FormatException("A WebVTT file must start with 'WEBVTT'.");
        }

        return Parse(text, '.');
    }

    private static List<SubtitleCue> Parse(string text, char separator)
    {
        var cues = new List<SubtitleCue>();
        foreach (var block in text.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var timing = Array.FindIndex(lines, l => l.Contains("-->", StringComparison.Ordinal));
            if (timing < 0)
            {
                continue;
            }

            var parts = lines[timing].Split("-->", StringSplitOptions.TrimEntries);
            cues.Add(new SubtitleCue(
                ParseTime(parts[0], separator),
                ParseTime(parts[1].Split(' ')[0], separator),
                string.Join('\n', lines.Skip(timing + 1))));
        }

        return cues;
    }

    private static TimeSpan ParseTime(string value, char separator) =>
        TimeSpan.ParseExact(value, separator == ',' ? @"hh\:mm\:ss\,fff" : @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
}
