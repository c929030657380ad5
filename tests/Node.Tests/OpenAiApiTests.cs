using System.ClientModel;
using System.Net;
using System.Text.Json;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Samples;
using OpenAI;
using OpenAI.Audio;

namespace MediaCluster.Node.Tests;

/// <summary>OpenAI's transcription API on a served node, driven by OpenAI's official .NET SDK (NuGet OpenAI) as an application would.</summary>
public sealed class OpenAiApiTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-openai-").FullName;
    private ServedNode _node = null!;

    public async Task InitializeAsync() => _node = await ServedNode.StartAsync(Path.Combine(_directory, "data"));

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheOfficialSdk_ListsTheRecogniser_AndTranscribes_InEachFormat_AsAnOrdinaryJob()
    {
        var (clip, reference) = SpeechSampleMaker.LibriVoxClips()[1];
        var client = new OpenAIClient(new ApiKeyCredential(_node.Token), new OpenAIClientOptions { Endpoint = new Uri(_node.Api, "v1") });

        // The models: this node's recogniser.
        var models = (await client.GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Equal(["pocketsphinx"], models.Select(m => m.Id));
        Assert.Equal("mediacluster", models[0].OwnedBy);

        // verbose_json with segments and words: the words recognised, in time, inside their segments.
        var audio = client.GetAudioClient("pocketsphinx");
        var verbose = (await audio.TranscribeAudioAsync(clip, new AudioTranscriptionOptions
        {
            ResponseFormat = AudioTranscriptionFormat.Verbose,
            TimestampGranularities = AudioTimestampGranularities.Word | AudioTimestampGranularities.Segment,
            Language = "en",
        })).Value;
        Assert.True(WordErrorRate.Percent(reference, verbose.Text) <= 40, $"'{verbose.Text}' against '{reference}'");
        Assert.Equal("english", verbose.Language);
        Assert.InRange(verbose.Duration!.Value.TotalSeconds, 1, 60);
        Assert.NotEmpty(verbose.Segments);
        Assert.Equal(verbose.Text, string.Join(' ', verbose.Segments.Select(s => s.Text)));
        Assert.Equal(verbose.Text.Split(' '), verbose.Words.Select(w => w.Word));
        Assert.All(verbose.Words, w => Assert.Contains(verbose.Segments, s => s.StartTime <= w.StartTime && w.EndTime <= s.EndTime + TimeSpan.FromMilliseconds(1)));

        // json (the default), text, srt and vtt, under OpenAI's own model name too.
        var plain = (await client.GetAudioClient("whisper-1").TranscribeAudioAsync(clip)).Value;
        Assert.Equal(verbose.Text, plain.Text);
        var text = (await audio.TranscribeAudioAsync(clip, new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Text })).Value;
        Assert.Equal(verbose.Text, text.Text.Trim());
        var srt = (await audio.TranscribeAudioAsync(clip, new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Srt })).Value;
        Assert.StartsWith("1\n00:00:", srt.Text, StringComparison.Ordinal);
        var vtt = (await audio.TranscribeAudioAsync(clip, new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Vtt })).Value;
        Assert.StartsWith("WEBVTT\n\n00:00:", vtt.Text, StringComparison.Ordinal);

        // Each request was an ordinary job: listed, completed, its results kept.
        var jobs = JsonDocument.Parse(await _node.Client.GetStringAsync("/api/jobs")).RootElement.EnumerateArray().ToList();
        Assert.Equal(5, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(("completed", Path.GetFileName(clip)), (j.GetProperty("state").GetString(), j.GetProperty("title").GetString())));
    }

    [Fact]
    public async Task Refusals_ComeInOpenAisErrorShape_AndTheSdkRaisesThem()
    {
        var (clip, _) = SpeechSampleMaker.LibriVoxClips()[1];
        var wrongKey = new OpenAIClient(new ApiKeyCredential("not-the-token"), new OpenAIClientOptions { Endpoint = new Uri(_node.Api, "v1") });
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => wrongKey.GetAudioClient("pocketsphinx").TranscribeAudioAsync(clip));
        Assert.Equal(401, refused.Status);
        Assert.Contains("missing or wrong API key", refused.Message, StringComparison.Ordinal);

        var client = new OpenAIClient(new ApiKeyCredential(_node.Token), new OpenAIClientOptions { Endpoint = new Uri(_node.Api, "v1") });
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() => client.GetAudioClient("large-v3").TranscribeAudioAsync(clip));
        Assert.Equal(404, unknown.Status);
        Assert.Contains("the model 'large-v3' does not exist here (this node's recogniser: pocketsphinx; whisper-1 also names it)", unknown.Message, StringComparison.Ordinal);

        // What the SDK would not send, sent by hand: each refused naming the field, nothing started.
        foreach (var (fields, param, message) in new (string Name, string Value)[][]
        {
            [("model", "pocketsphinx"), ("response_format", "xml")], [("model", "pocketsphinx"), ("timestamp_granularities[]", "word")],
            [("model", "pocketsphinx"), ("language", "de")], [("response_format", "json")],
        }.Zip(
            ["response_format", "timestamp_granularities", "language", "model"],
            [
                "'xml' is not a response_format: json, text, srt, vtt or verbose_json", "timestamp_granularities need response_format verbose_json",
                "this node's recogniser does not take language 'de' (it speaks english)", "you must give a 'model' (GET /v1/models lists them)",
            ]))
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(clip)), "file", "clip.wav" } };
            foreach (var (name, value) in fields)
            {
                form.Add(new StringContent(value), name);
            }

            using var response = await _node.Client.PostAsync("/v1/audio/transcriptions", form);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal((message, "invalid_request_error", param), (error.GetProperty("message").GetString(), error.GetProperty("type").GetString(), error.GetProperty("param").GetString()));
        }

        Assert.Equal("[]", await _node.Client.GetStringAsync("/api/jobs"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_directory, "data", "uploads")));
    }
}
