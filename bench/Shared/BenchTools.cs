using System.Diagnostics;
using System.Globalization;

namespace MediaCluster.Bench;

/// <summary>Helpers shared by the media benchmarks: figures on stdout, processes, the repository root.</summary>
internal static class BenchTools
{
    /// <summary>Prints one "name: value" figure.</summary>
    public static void Print(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {value:0.###}"));

    /// <summary>Runs a tool to completion; returns its stdout and its peak resident memory (VmHWM) in MB.</summary>
    public static async Task<(string Output, double PeakRssMb)> RunAsync(string tool, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var peak = 0.0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, HighWaterMarkMb(process.Id));
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(100));
        }

        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await errors}");
        }

        return (await output, peak);
    }

    /// <summary>
    /// The input of a speech benchmark: FILE and REF (a file or the text itself) from the arguments, or by
    /// default an ~8-minute recording generated from the LibriVox clips (gaps 0.1–1 s) with its reference.
    /// </summary>
    public static async Task<(string File, string Reference)> SpeechInputAsync(string[] args)
    {
        if (args.Length >= 2 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            return (args[0], File.Exists(args[1]) ? await File.ReadAllTextAsync(args[1]) : args[1]);
        }

        var directory = Path.Combine(Root(), ".artifacts", "bench");
        var file = Path.Combine(directory, "librivox-8min.wav");
        Console.Error.WriteLine("# generating an ~8-minute recording from the LibriVox clips (gaps 0.1–1 s)");
        var sample = await Media.Samples.SpeechSampleMaker.WriteAsync(file, TimeSpan.FromMinutes(8));
        await File.WriteAllTextAsync(Path.Combine(directory, "librivox-8min.txt"), sample.ReferenceText);
        return (file, sample.ReferenceText);
    }

    /// <summary>
    /// The speech baseline: <c>pocketsphinx_continuous</c> on a 16 kHz mono WAV copy of <paramref name="file"/> (the copy
    /// is not timed); then prints seconds, baseline_seconds, speedup, wer_percent and baseline_wer_percent.
    /// </summary>
    public static async Task PrintAgainstBaselineAsync(string file, string reference, double seconds, string text)
    {
        Console.Error.WriteLine("# baseline: pocketsphinx_continuous on a 16 kHz mono copy");
        var wav = Path.Combine(Root(), ".artifacts", "bench", "baseline-input.wav");
        await Media.Ffmpeg.FfmpegRunner.RunAsync(["-i", file, "-ac", "1", "-ar", "16000", "-acodec", "pcm_s16le", wav]);
        var watch = Stopwatch.StartNew();
        var (baselineText, _) = await RunAsync("pocketsphinx_continuous", ["-infile", wav, "-logfn", "/dev/null"]);
        var baselineSeconds = watch.Elapsed.TotalSeconds;
        File.Delete(wav);
        Print("seconds", seconds);
        Print("baseline_seconds", baselineSeconds);
        Print("speedup", baselineSeconds / seconds);
        Print("wer_percent", Media.Asr.WordErrorRate.Percent(reference, text));
        Print("baseline_wer_percent", Media.Asr.WordErrorRate.Percent(reference, baselineText));
    }

    /// <summary>The repository root (the folder with Cluster.sln).</summary>
    public static string Root()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Cluster.sln")))
            {
                return d.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    /// <summary>The benchmark's own folder, <c>.artifacts/bench/NAME</c>, emptied of an earlier run's files.</summary>
    public static string FreshWorkFolder(string name)
    {
        var work = Path.Combine(Root(), ".artifacts", "bench", name);
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        Directory.CreateDirectory(work);
        return work;
    }

    /// <summary>A process's peak resident memory so far (VmHWM) in MB; 0 once it is gone.</summary>
    public static double HighWaterMarkMb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
