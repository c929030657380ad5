using System.Diagnostics;

namespace MediaCluster.Testing;

/// <summary>A PDF's text as poppler's pdftotext reads it (what a person's viewer shows, in reading order).</summary>
public static class PdfText
{
    public static async Task<string> ReadAsync(string path)
    {
        var info = new ProcessStartInfo("pdftotext") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(path);
        info.ArgumentList.Add("-");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("pdftotext did not start");
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? text : throw new InvalidOperationException($"pdftotext exited {process.ExitCode} on {path}");
    }
}
