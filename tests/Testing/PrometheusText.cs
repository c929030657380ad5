using System.Globalization;
using System.Text.RegularExpressions;

namespace MediaCluster.Testing;

/// <summary>Reads samples out of a /metrics answer (the Prometheus text format), as a scraper would.</summary>
public static partial class PrometheusText
{
    /// <summary>
    /// The value of the sample <paramref name="name"/> whose labels include each of <paramref name="labels"/> (an exporter
    /// adds labels of its own, such as otel_scope_name), or null when there is none.
    /// </summary>
    public static double? Value(string text, string name, params (string Label, string Value)[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (Sample().Match(line) is not { Success: true } sample || sample.Groups["name"].Value != name)
            {
                continue;
            }

            var found = Label().Matches(sample.Groups["labels"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
            if (labels.All(l => found.TryGetValue(l.Label, out var v) && v == l.Value))
            {
                return double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)")]
    private static partial Regex Sample();

    [GeneratedRegex("(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>[^\"]*)\"")]
    private static partial Regex Label();
}
