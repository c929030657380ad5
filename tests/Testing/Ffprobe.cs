using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MediaCluster.Testing;

/// <summary>ffprobe as a test reads a file the code under test wrote: its frames, chapters and streams.</summary>
public static class Ffprobe
{
    /// <summary>The first picture stream's frames (its packets, counted).</summary>
    public static async Task<int> FramesAsync(string path) =>
        int.Parse(await CsvAsync("-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets", path), CultureInfo.InvariantCulture);

    /// <summary>The file's chapters: start, end (seconds) and title.</summary>
    public static async Task<IReadOnlyList<(double Start, double End, string Title)>> ChaptersAsync(string path)
    {
        using var json = JsonDocument.Parse(await RunAsync("-show_chapters", "-of", "json", path));
        return [.. json.RootElement.GetProperty("chapters").EnumerateArray().Select(c => (
            double.Parse(c.GetProperty("start_time").GetString()!, CultureInfo.InvariantCulture),
            double.Parse(c.GetProperty("end_time").GetString()!, CultureInfo.InvariantCulture),
            c.GetProperty("tags").GetProperty("title").GetString()!))];
    }

    /// <summary>ffprobe's answer in CSV without keys (the last argument is the file), trimmed.</summary>
    public static Task<string> CsvAsync(params string[] arguments) => RunAsync([.. arguments[..^1], "-of", "csv=p=0", arguments[^1]]);

    /// <summary>ffprobe's standard output (errors only on stderr); a failure throws with what it said.</summary>
    public static async Task<string> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-v", "error" }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? (await output).Trim() : throw new InvalidOperationException($"ffprobe {string.Join(' ', arguments)} exited {process.ExitCode}: {errors}");
    }
}
