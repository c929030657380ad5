using System.Diagnostics;
using MediaCluster.Testing;
using MediaCluster.Media.Samples;

namespace MediaCluster.Node.Tests;

public sealed class ProcessCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-node-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Process_SpeechFile_WritesEveryOutput()
    {
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, "in put – ä.wav"), TimeSpan.Zero, clipCount: 3);
        var output = Path.Combine(_directory, "out");
        var progress = new StringWriter();

        var (transcript, summary) = await FileProcessor.ProcessAsync(sample.Path, output, progress, CancellationToken.None);

        Assert.Equal(MediaCluster.Media.Reports.JobOutput.Of(video: false).Select(a => a.Name).Order(), Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Contains("done in", progress.ToString());
        Assert.Equal(transcript.Cues().Count(), SubtitleParser.ParseSrt(await File.ReadAllTextAsync(Path.Combine(output, "transcript.srt"))).Count);
        Assert.Equal(transcript.Segments.Count, (await File.ReadAllLinesAsync(Path.Combine(output, "vad.rttm"))).Length);
        Assert.Contains("Keywords: ", summary);
        Assert.All(transcript.Segments.Where(s => s.Text.Length > 0), s => Assert.Equal(("vader", 0), (s.Label!.Task, s.Label.ModelVersion)));
        Assert.Contains(transcript.SummaryLabel!.Label, Media.Samples.TextSamples.Labels);
        Assert.True(Media.Asr.WordErrorRate.Percent(sample.ReferenceText, transcript.Text) <= 40, transcript.Text);
        var pdf = await RunAsync("pdftotext", Path.Combine(output, "report.pdf"), "-");
        Assert.Contains("Report: in put – ä.wav", pdf);
        Assert.Contains(transcript.Segments[0].Text.Split(' ')[0], pdf);
        Assert.Contains("Text label of the summary: ", pdf);
    }

    [Fact]
    public async Task Process_SilentVideoOfFourShots_FindsAndLabelsEachScene()
    {
        var video = Path.Combine(_directory, "four shots.mp4");
        var made = await ShotClips.WriteScenesAsync(
            video,
            [(ShotMovement.Static, TimeSpan.FromSeconds(3)), (ShotMovement.Motion, TimeSpan.FromSeconds(3)), (ShotMovement.Push, TimeSpan.FromSeconds(3)), (ShotMovement.Static, TimeSpan.FromSeconds(3))],
            seed: 21);
        var output = Path.Combine(_directory, "out-video");
        var progress = new StringWriter();

        var (transcript, _) = await FileProcessor.ProcessAsync(video, output, progress, CancellationToken.None);

        Assert.Empty(transcript.Segments); // no audio: nothing to transcribe, and the job does not fail for it
        Assert.Equal(MediaCluster.Media.Reports.JobOutput.Of(video: true).Select(a => a.Name).Order(), Directory.GetFiles(output).Select(Path.GetFileName).Order());
        var scenes = Media.Video.SceneFormats.ParseCsv(await File.ReadAllTextAsync(Path.Combine(output, "scenes.csv")));
        Assert.Equal(4, scenes.Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.True((scenes[i].Start - made[i].Start).Duration() <= TimeSpan.FromSeconds(0.5), $"scene {i + 1} starts at {scenes[i].Start.TotalSeconds} s, made at {made[i].Start.TotalSeconds} s");
        }

        Assert.Equal([ShotMovement.Static, ShotMovement.Motion, ShotMovement.Push, ShotMovement.Static], scenes.Select(s => s.Label));
        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "scenes.json")));
        var first = json.RootElement.GetProperty("scenes")[0];
        Assert.Equal(8, first.GetProperty("frames").GetArrayLength());
        Assert.Equal(1, first.GetProperty("labels").GetProperty("shot-movement").GetProperty("model_version").GetInt32());
        Assert.Equal([0xFF, 0xD8], (await File.ReadAllBytesAsync(Path.Combine(output, "contact-sheet.jpg")))[..2]);
        var pdf = await RunAsync("pdftotext", Path.Combine(output, "report.pdf"), "-");
        Assert.Contains("Scenes (4)", pdf);
        Assert.Contains("4 scenes", progress.ToString());
    }

    [Fact]
    public async Task Run_MissingFile_ExitsOneWithTheCause()
    {
        var errors = new StringWriter();
        var previous = Console.Error;
        Console.SetError(errors);
        try
        {
            var missing = Path.Combine(_directory, "nope.mp4");
            Assert.Equal(1, await NodeCommands.RunAsync(["process", missing, "--out", Path.Combine(_directory, "o")]));
            Assert.Contains($"error: '{missing}' does not exist.", errors.ToString());
            Assert.Equal(2, await NodeCommands.RunAsync(["process"]));
            Assert.False(Directory.Exists(Path.Combine(_directory, "o")), "a failed job must not leave an output folder");
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    private static async Task<string> RunAsync(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }
}
