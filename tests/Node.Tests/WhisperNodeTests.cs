using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>A node whose recogniser is whisper (Node:Asr:Engine), over a synthetic ggml file (words meaningless).</summary>
public sealed class WhisperNodeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-whisper-node-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WhisperEngine_RecognisesAnUploadedRecording_AndTheTranscriptNamesIt()
    {
        var model = Path.Combine(_directory, "ggml-test.bin");
        SyntheticWhisperModel.Write(model, WhisperShape.TinyScaledDown);
        await using var node = await ServedNode.StartAsync(Path.Combine(_directory, "data"),
            "--Node:Asr:Engine", "whisper", "--Node:Asr:WhisperModel", model, "--Node:Asr:Threads", "1", "--Node:Asr:TemperatureFallback", "false");

        var clip = SpeechSampleMaker.LibriVoxClips()[1].Path;
        using var content = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(clip)), "file", "clip.wav" } };
        var submitted = await node.Client.PostAsync("/api/jobs", content);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var state = "";
        for (var polls = 0; polls < 600 && state is not ("completed" or "failed" or "cancelled"); polls++)
        {
            await Task.Delay(200);
            state = (await node.Client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}")).GetProperty("state").GetString()!;
        }

        Assert.Equal("completed", state);
        var transcript = TranscriptFormats.ParseJson(await node.Client.GetStringAsync($"/api/jobs/{id}/artifacts/transcript.json"));
        Assert.Equal(("whisper", "2-layer.en"), (transcript.Engine, transcript.Model));
        Assert.NotEmpty(transcript.Segments);
        Assert.All(transcript.Segments, s =>
        {
            Assert.NotEmpty(s.Words);
            Assert.All(s.Words, w => Assert.True(w.Start >= s.Start && w.End <= s.End + TimeSpan.FromMilliseconds(1), $"'{w.Text}' {w.Start}–{w.End} outside its segment {s.Start}–{s.End}"));
        });
        // Each journaled result names the recogniser that produced it; the transcript names what its segments name.
        var results = (await JournalReader.ReadSqliteAsync(Path.Combine(node.DataDirectory, "journal"), "job-" + id))
            .Select(r => r.Decode()).OfType<MediaCluster.Messages.Jobs.SegmentTranscribed>().ToList();
        Assert.Equal(transcript.Segments.Count, results.Count);
        Assert.All(results, r => Assert.Equal(("whisper", "2-layer.en"), (r.Engine, r.Model)));

        // One thread per recognition: a slot per core.
        Assert.Equal(Environment.ProcessorCount, PrometheusText.Value(await node.Client.GetStringAsync("/metrics"), "mediacluster_asr_slots"));
    }

    [Fact]
    public async Task WhisperEngine_WithoutAModel_OrWithABadOne_RefusesToStart()
    {
        var data = Path.Combine(_directory, "data");
        var error = await Assert.ThrowsAsync<NodeSettingsException>(() => NodeHost.BuildAsync(["--Node:DataDirectory", data, "--Node:Asr:Engine", "whisper"]));
        Assert.Equal("Node:Asr:Engine is whisper but Node:Asr:WhisperModel is not set: give the path of a whisper.cpp ggml model (e.g. ggml-base.en.bin)", error.Message);

        var notModel = Path.Combine(_directory, "ggml-base.en.bin");
        await File.WriteAllTextAsync(notModel, "<html>404 Not Found</html>");
        error = await Assert.ThrowsAsync<NodeSettingsException>(() => NodeHost.BuildAsync(["--Node:DataDirectory", data, "--Node:Asr:Engine", "whisper", "--Node:Asr:WhisperModel", notModel]));
        Assert.Equal($"Node:Asr:WhisperModel: The whisper model '{notModel}' is not a ggml whisper model (no 'ggml' magic at its start); use one of whisper.cpp's ggml-*.bin files.", error.Message);
    }
}
