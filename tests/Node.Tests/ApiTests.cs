using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

public sealed class ApiTests : IAsyncLifetime
{
    private const long UploadLimit = 4_000_000;
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-api-").FullName;
    private ServedNode _node = null!;

    private string Allowed => Path.Combine(_directory, "media");

    private string Data => Path.Combine(_directory, "data");

    private HttpClient Client => _node.Client;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Allowed);
        _node = await ServedNode.StartAsync(Data, "--Node:AllowedRoots:0", Allowed, "--Node:MaxUploadBytes", UploadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Api_WithoutToken_Is401_ButHealthIsOpen()
    {
        foreach (var endpoint in new[] { _node.Api, _node.Management })
        {
            using var anonymous = new HttpClient { BaseAddress = endpoint };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/jobs")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
            anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/jobs", new { path = "/etc/passwd" })).StatusCode);
            Assert.Equal("ok", await anonymous.GetStringAsync("/healthz"));
        }

        Assert.Empty(await Client.GetFromJsonAsync<JsonElement[]>("/api/jobs") ?? []);
    }

    [Fact]
    public async Task Submit_PathOutsideAllowedRoots_IsRefused()
    {
        var response = await _node.Operator.PostAsJsonAsync("/api/jobs", new { path = Path.Combine(Allowed, "..", "..", "etc", "passwd") });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not inside an allowed root", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Submit_LinkInsideARootToAFileOutside_IsRefused()
    {
        var outside = Path.Combine(_directory, "secret.wav");
        File.Copy(SpeechSampleMaker.LibriVoxClips()[0].Path, outside);
        File.CreateSymbolicLink(Path.Combine(Allowed, "innocent.wav"), outside);
        Directory.CreateSymbolicLink(Path.Combine(Allowed, "up"), _directory);

        foreach (var path in new[] { Path.Combine(Allowed, "innocent.wav"), Path.Combine(Allowed, "up", "secret.wav") })
        {
            var response = await _node.Operator.PostAsJsonAsync("/api/jobs", new { path });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("is not inside an allowed root", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Submit_Clip_CompletesAndServesItsArtifacts()
    {
        var clip = Path.Combine(Allowed, "clip.wav");
        File.Copy(SpeechSampleMaker.LibriVoxClips()[1].Path, clip);
        // A server path is the operator's to submit: refused on the API listener even with the token.
        var refused = await Client.PostAsJsonAsync("/api/jobs", new { path = clip });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("a job from a server path is an operator request", await refused.Content.ReadAsStringAsync());
        var submitted = await _node.Operator.PostAsJsonAsync("/api/jobs", new { path = clip });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // Server-sent events: progress in order, ending with the terminal state.
        var updates = await _node.EventsAsync(id);
        Assert.Equal("completed", updates[^1].GetProperty("state").GetString());
        var transcribed = updates.Select(u => u.GetProperty("segments_transcribed").GetInt32()).ToList();
        Assert.Equal(transcribed.Order(), transcribed);
        Assert.Equal("completed", (await Client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}")).GetProperty("state").GetString());

        var list = await Client.GetFromJsonAsync<JsonElement>("/api/jobs");
        Assert.Contains(list.EnumerateArray(), j => j.GetProperty("id").GetString() == id);
        var text = await Client.GetStringAsync($"/api/jobs/{id}/artifacts/transcript.txt");
        Assert.Contains("young man", text);
        Assert.Equal(8, (await Client.GetFromJsonAsync<string[]>($"/api/jobs/{id}/artifacts"))!.Length);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/jobs/{id}/artifacts/..%2F..%2Fapi-token")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/jobs/nope")).StatusCode);

        // The index records a job's end after the job does (a message, then a journal write): the count follows shortly.
        var metrics = await Client.GetStringAsync("/metrics");
        for (var deadline = DateTime.UtcNow.AddSeconds(30); PrometheusText.Value(metrics, "mediacluster_jobs", ("state", "completed")) != 1; metrics = await Client.GetStringAsync("/metrics"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the index did not count the completed job within 30 s:\n{metrics}");
            await Task.Delay(100);
        }

        Assert.Equal(1, PrometheusText.Value(metrics, "mediacluster_asr_recognitions_total"));
        Assert.Equal(0, PrometheusText.Value(metrics, "mediacluster_asr_queue_depth"));
        // A real-time factor was measured (its size depends on the machine's load, so only that it is positive).
        Assert.True(PrometheusText.Value(metrics, "mediacluster_asr_realtime_factor") > 0, metrics);
        Assert.Equal("ready", await Client.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task Upload_NamedDotDotX_IsStoredInsideTheDataDirectory_AndTitledX()
    {
        var id = await UploadAsync(await File.ReadAllBytesAsync(SpeechSampleMaker.LibriVoxClips()[1].Path), "../../x");

        Assert.Equal("completed", (await _node.EventsAsync(id))[^1].GetProperty("state").GetString());
        Assert.False(Directory.Exists(Path.Combine(Data, "uploads", id)), "the upload should leave the uploads once its job has ended");

        // It moved beside the results (the page plays it), served with ranges; only a known job's media is.
        using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/jobs/{id}/media") { Headers = { Range = new RangeHeaderValue(0, 43) } };
        var media = await Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, media.StatusCode);
        Assert.Equal("application/octet-stream", media.Content.Headers.ContentType?.MediaType); // "x" has no extension to tell
        Assert.Equal((await File.ReadAllBytesAsync(SpeechSampleMaker.LibriVoxClips()[1].Path))[..44], await media.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/jobs/nope/media")).StatusCode);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(_directory)!, "x"));
        Assert.Empty(Directory.GetFiles(_directory, "x", SearchOption.AllDirectories));
        Assert.StartsWith("SPEAKER x 1 ", await Client.GetStringAsync($"/api/jobs/{id}/artifacts/vad.rttm"));

        // A non-ASCII name (sent as filename*=utf-8'') is kept as the title, never as a path.
        using var content = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "my talk – Grüße/../façade.wav" } };
        var answer = await (await Client.PostAsync("/api/jobs", content)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("façade.wav", answer.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Upload_OverTheLimit_Is413_AndLeavesNothing()
    {
        using var content = new MultipartFormDataContent { { new ByteArrayContent(new byte[UploadLimit + 1]), "file", "big.wav" } };
        var response = await Client.PostAsync("/api/jobs", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains($"larger than the limit of {UploadLimit} bytes", await response.Content.ReadAsStringAsync());
        Assert.Empty(Directory.Exists(Path.Combine(Data, "uploads")) ? Directory.GetFileSystemEntries(Path.Combine(Data, "uploads")) : []);
        Assert.Empty(await Client.GetFromJsonAsync<JsonElement[]>("/api/jobs") ?? []);
    }

    [Fact]
    public async Task HostileUploads_FailWithClearMessages_WhileAGoodJobCompletes()
    {
        var clip = await File.ReadAllBytesAsync(SpeechSampleMaker.LibriVoxClips()[1].Path);
        var video = Path.Combine(_directory, "talk.mp4");
        await Media.Ffmpeg.FfmpegRunner.RunAsync(["-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-i", SpeechSampleMaker.LibriVoxClips()[1].Path,
            "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", video]);
        var videoBytes = await File.ReadAllBytesAsync(video);

        var hostile = new Dictionary<string, (byte[] Content, string[] Expected)>
        {
            ["empty.wav"] = ([], ["'empty.wav' is empty (0 bytes): it holds no media."]),
            ["notes.mp4"] = ("These are meeting notes, not a video.\n"u8.ToArray(), ["ffprobe could not read 'notes.mp4' as media: ", "Invalid data found when processing input"]),
            ["truncated.mp4"] = (videoBytes[..(videoBytes.Length / 2)], ["'truncated.mp4'", "moov atom not found"]),
            ["captions.srt"] = ("1\n00:00:01,000 --> 00:00:02,000\nHello\n"u8.ToArray(), ["'captions.srt' is in the 'srt' format, which the node does not read: it reads audio and video files only"]),
            // A playlist naming another file on the node (another job's media, say) is refused before ffmpeg opens anything.
            ["list.m3u8"] = (System.Text.Encoding.UTF8.GetBytes($"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{SpeechSampleMaker.LibriVoxClips()[1].Path}\n#EXT-X-ENDLIST\n"),
                ["'list.m3u8' is an HLS (M3U) playlist: it names other files or addresses to read, and the node reads only the media it is given"]),
        };
        var ids = new Dictionary<string, string>();
        foreach (var (name, (content, _)) in hostile)
        {
            ids[name] = await UploadAsync(content, name);
        }

        var good = await UploadAsync(clip, "good.wav");

        Assert.Equal("completed", (await _node.EventsAsync(good))[^1].GetProperty("state").GetString());
        foreach (var (name, (_, expected)) in hostile)
        {
            var end = (await _node.EventsAsync(ids[name]))[^1];
            Assert.Equal("failed", end.GetProperty("state").GetString());
            var error = end.GetProperty("error").GetString()!;
            Assert.True(expected.All(e => error.Contains(e, StringComparison.Ordinal)), $"{name}: expected '{string.Join("' and '", expected)}' in '{error}'");
            Assert.DoesNotContain(Data, error);
        }
    }

    private async Task<string> UploadAsync(byte[] bytes, string name)
    {
        using var content = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", name } };
        var response = await Client.PostAsync("/api/jobs", content);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"upload of '{name}' answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
