using System.Globalization;

namespace MediaCluster.Runtime.Bench;

/// <summary>Prints figures as "name: value" lines on stdout; commentary goes to stderr.</summary>
internal sealed class Report
{
    public void Figure(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {(Math.Abs(value) >= 100 ? Math.Round(value).ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture))}"));

    public void Note(string text) => Console.Error.WriteLine("# " + text);
}
