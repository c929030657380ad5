using System.Net;
using System.Net.WebSockets;
using MediaCluster.Cli;
using MediaCluster.Media.Asr;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>/ws/live on a node served in this process: a recording streamed in, partials and finals out, refusals.</summary>
public sealed class LiveApiTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-live-").FullName;
    private ServedNode _node = null!;

    public async Task InitializeAsync() =>
        _node = await ServedNode.StartAsync(Path.Combine(_directory, "data"), "--Node:Live:IdleTimeoutSeconds", "2", "--Node:Live:MaxFrameBytes", "65536");

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Live_ThreeClips_PartialsThenFinalsMatchingTheSessionsBatchJob()
    {
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, "three.wav"), TimeSpan.Zero, minGap: 1.2, maxGap: 1.2, lead: 0.5, clipCount: 3);
        var pcm = (await File.ReadAllBytesAsync(sample.Path))[44..];
        await using var live = await LiveClient.ConnectAsync(_node.Api, _node.Token);
        var job = (await live.ReadAsync())?.Job;
        Assert.False(string.IsNullOrEmpty(job), "the server did not send the session's job id first");

        // The whole recording as fast as the server takes it (it paces the client), in 0.1-s frames.
        var messages = await StreamAsync(live, pcm, frameBytes: 3200);
        Assert.DoesNotContain(messages, m => m.Error is not null);
        var finals = messages.Where(m => m.IsFinal && m.Text!.Length > 0).ToList();
        Assert.True(finals.Count >= 3, $"{finals.Count} finals for three clips 1.2 s apart: {string.Join(" | ", messages.Select(m => m.Raw))}");
        Assert.True(messages.FindIndex(m => m.Partial is { Length: > 0 }) < messages.FindIndex(m => m.IsFinal), "no partial before the first final");
        var words = finals.SelectMany(f => f.Result ?? []).ToList();
        Assert.Equal(finals.Sum(f => f.Text!.Split(' ').Length), words.Count);
        Assert.Equal(words.Select(w => w.Start).Order(), words.Select(w => w.Start));
        Assert.All(words, w => Assert.InRange(w.End, w.Start, sample.Duration.TotalSeconds));

        // The session is a job: it completes, and its (batch) transcript says what the finals said.
        var updates = await _node.EventsAsync(job!);
        Assert.Equal("completed", updates[^1].GetProperty("state").GetString());
        var batch = System.Text.RegularExpressions.Regex.Replace( // without the speakers before each line
            await _node.Client.GetStringAsync($"/api/jobs/{job}/artifacts/transcript.txt"), @"^\[spk\d+\] ", string.Empty, System.Text.RegularExpressions.RegexOptions.Multiline);
        var liveText = string.Join(' ', finals.Select(f => f.Text));
        var wer = WordErrorRate.Percent(batch, liveText);
        Assert.True(wer <= 20, $"live vs the session's job: WER {wer:0.0}%\nlive:  {liveText}\nbatch: {batch}");
        var metrics = await _node.Client.GetStringAsync("/metrics");
        Assert.Equal(0, PrometheusText.Value(metrics, "mediacluster_live_sessions"));
        Assert.Equal(0, PrometheusText.Value(metrics, "mediacluster_live_streams"));
    }

    [Fact]
    public async Task Live_At48kHz_IsResampled()
    {
        var clip = SpeechSampleMaker.LibriVoxClips()[1];
        var at48 = Path.Combine(_directory, "clip48.raw");
        await Media.Ffmpeg.FfmpegRunner.RunAsync(["-v", "error", "-i", clip.Path, "-ar", "48000", "-ac", "1", "-f", "s16le", at48]);
        var pcm = await File.ReadAllBytesAsync(at48);
        await using var live = await LiveClient.ConnectAsync(_node.Api, _node.Token, sampleRate: 48000);
        var messages = await StreamAsync(live, pcm, frameBytes: 9600);
        var text = string.Join(' ', messages.Where(m => m.IsFinal).Select(m => m.Text));
        Assert.True(WordErrorRate.Percent(clip.Text, text) <= 40, text);
    }

    [Fact]
    public async Task Live_WrongToken_IsRefusedBeforeTheSocketIsAccepted()
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer not-the-token");
        socket.Options.CollectHttpResponseDetails = true;
        var uri = new UriBuilder(_node.Api) { Scheme = "ws", Path = "/ws/live" }.Uri;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    /// <summary>Two bytes a second keep a connection busy but send no audio to speak of: it is closed like a silent one.</summary>
    [Fact]
    public async Task Live_SlowDripClient_IsClosed()
    {
        await using var live = await LiveClient.ConnectAsync(_node.Api, _node.Token);
        Assert.NotNull((await live.ReadAsync())?.Job);
        using var drip = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            try
            {
                while (!drip.IsCancellationRequested)
                {
                    await live.SendAudioAsync(new byte[2]);
                    await Task.Delay(500, drip.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or InvalidOperationException)
            {
            }
        });
        var message = await live.ReadAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await drip.CancelAsync();
        await sending;
        Assert.Contains("behind real time", message?.Error);
        Assert.Null(await live.ReadAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, live.CloseStatus);
    }

    [Theory]
    [InlineData("{\"config\": {\"sample_rate\": \"fast\"}}", "config.sample_rate must be a whole number of Hz")]
    [InlineData("{\"config\": {\"sample_rate\": 4000}}", "config.sample_rate must be a whole number of Hz from 8000 to 192000; got 4000")]
    [InlineData("{\"config\": {\"words\": 3}}", "config.words must be true or false")]
    [InlineData("{\"config\": {\"max_alternatives\": 11}}", "config.max_alternatives must be a whole number from 0 to 10; got 11")]
    [InlineData("{\"config\": {\"max_alternatives\": 1.5}}", "config.max_alternatives must be a whole number from 0 to 10; got 1.5")]
    [InlineData("{\"config\": {\"phrase_list\": \"one two\"}}", "config.phrase_list must be a list of at most 1000 phrases (strings); got \"one two\"")]
    [InlineData("{\"config\": {\"phrase_list\": [\"one\", 2]}}", "config.phrase_list must hold strings of at most 200 characters; got 2")]
    [InlineData("hello", "got text that is not JSON: hello")]
    [InlineData("{\"eof\": 1}", "the first message must be {\"config\"")]
    public async Task Live_BadConfig_IsClosedWith1007AndSaysWhy(string config, string error)
    {
        await using var live = await LiveClient.ConnectAsync(_node.Api, _node.Token, sampleRate: null);
        await live.SendTextAsync(config);
        Assert.Contains(error, (await live.ReadAsync())?.Error);
        Assert.Null(await live.ReadAsync());
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, live.CloseStatus);
    }

    [Fact]
    public async Task Live_PhraseListAndMaxAlternatives_AsAVoskClientSendsThem_RestrictTheFinalsAndGiveVosksAlternatives()
    {
        // Festival's kal says "three five one"; the client allows the five digits (and vosk's "[unk]") and asks for 3 alternatives.
        var cache = Directory.CreateDirectory(Path.Combine(_directory, "voices")).FullName;
        var digits = await ConversationMaker.SpeakAsync(Voice.Available.Single(v => v.Name == "kal"), "three five one", cache);
        short[] samples = [.. new short[8000], .. digits.Select(s => (short)Math.Clamp(s * 32767, short.MinValue, short.MaxValue)), .. new short[24000]];
        var pcm = new byte[samples.Length * 2];
        Buffer.BlockCopy(samples, 0, pcm, 0, pcm.Length);
        string[] allowed = ["one", "two", "three", "four", "five"];
        await using var live = await LiveClient.ConnectAsync(_node.Api, _node.Token, sampleRate: null);
        await live.SendTextAsync("{\"config\": {\"sample_rate\": 16000, \"words\": true, \"max_alternatives\": 3, \"phrase_list\": [\"one\", \"two\", \"three\", \"four\", \"five\", \"[unk]\"]}}");
        Assert.NotNull((await live.ReadAsync())?.Job);

        var messages = await StreamAsync(live, pcm, frameBytes: 3200);

        Assert.All(messages.Where(m => m.Partial is not null), m => Assert.All(m.Partial!.Split(' ', StringSplitOptions.RemoveEmptyEntries), w => Assert.Contains(w, allowed)));
        var finals = messages.Where(m => m.Raw.Contains("\"alternatives\"", StringComparison.Ordinal)).ToList();
        using var final = System.Text.Json.JsonDocument.Parse(Assert.Single(finals).Raw);
        var root = final.RootElement;
        Assert.False(root.TryGetProperty("text", out _), "with max_alternatives a final is vosk's {\"alternatives\": […]}, without text");
        Assert.Equal("spk1", root.GetProperty("speaker").GetString());
        var alternatives = root.GetProperty("alternatives").EnumerateArray().ToList();
        Assert.InRange(alternatives.Count, 1, 3);
        Assert.Equal("three five one", alternatives[0].GetProperty("text").GetString());
        var words = alternatives[0].GetProperty("result").EnumerateArray().ToList();
        Assert.Equal(["three", "five", "one"], words.Select(w => w.GetProperty("word").GetString()));
        Assert.All(words, w => Assert.True(w.GetProperty("start").GetDouble() < w.GetProperty("end").GetDouble() && !w.TryGetProperty("conf", out _), w.ToString()));
        Assert.All(alternatives, a => Assert.All(a.GetProperty("text").GetString()!.Split(' '), w => Assert.Contains(w, allowed)));
        Assert.InRange(alternatives.Sum(a => a.GetProperty("confidence").GetDouble()), 0.999, 1.001);
    }

    [Fact]
    public async Task Live_OversizedFrame_IsClosedWith1009()
    {
        await using var live = await LiveClient.ConnectAsync(_node.Api, _node.Token);
        Assert.NotNull((await live.ReadAsync())?.Job);
        await live.SendAudioAsync(new byte[65536 + 2]);
        var message = await live.ReadAsync();
        Assert.Contains("larger than 65536 bytes (Node:Live:MaxFrameBytes)", message?.Error);
        Assert.Null(await live.ReadAsync());
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, live.CloseStatus);
    }

    [Fact]
    public async Task Live_StalledClient_IsClosedAfterTheIdleTimeout()
    {
        await using var live = await LiveClient.ConnectAsync(_node.Api, _node.Token);
        Assert.NotNull((await live.ReadAsync())?.Job);
        await live.SendAudioAsync(new byte[3200]);
        var message = await live.ReadAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("behind real time (0.1 s sent in ", message?.Error);
        Assert.Contains("a live client sends audio as it records it (Node:Live:IdleTimeoutSeconds is 2 s)", message?.Error);
        Assert.Null(await live.ReadAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, live.CloseStatus);
    }

    [Fact]
    public async Task Live_PlainHttp_IsToldItIsAWebSocket()
    {
        var response = await _node.Client.GetAsync("/ws/live");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebSocket endpoint", await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<LiveMessage>> StreamAsync(LiveClient live, byte[] pcm, int frameBytes)
    {
        var messages = new List<LiveMessage>();
        var reading = Task.Run(async () =>
        {
            while (await live.ReadAsync() is { } message)
            {
                messages.Add(message);
            }
        });
        for (var offset = 0; offset < pcm.Length; offset += frameBytes)
        {
            await live.SendAudioAsync(pcm.AsMemory(offset, Math.Min(frameBytes, pcm.Length - offset)));
        }

        await live.SendEofAsync();
        await reading.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, live.CloseStatus);
        return messages;
    }
}
