using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCluster.Node.Tests;

/// <summary>
/// The node as an attacker meets it over HTTP: a stored-script upload, another origin riding the page's cookie, a
/// cookie kept after sign-out or expiry, the operator's routes on the API listener, token files that are no secret.
/// </summary>
public sealed class PerimeterTests : IAsyncLifetime
{
    private const string Evil = "http://evil.example";
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-perimeter-").FullName;
    private readonly ManualTimeProvider _clock = new();
    private ServedNode _node = null!;

    public async Task InitializeAsync() =>
        _node = await ServedNode.StartAsync(Path.Combine(_directory, "data"), services => services.AddSingleton<TimeProvider>(_clock), "--Node:MaxUploadBytes", "4000000", "--Node:Training:MaxUnpackedBytes", "100000");

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>
    /// A WAV with a script appended, named x.html, completes as a job; its media is served as a download of bytes with
    /// nosniff and a sandbox CSP, never as a page of the node's origin. A real recording's media plays inline.
    /// </summary>
    [Fact]
    public async Task HtmlPolyglotUpload_IsServedAsAnAttachment_NeverAsAPage()
    {
        var wav = await File.ReadAllBytesAsync(SpeechSampleMaker.LibriVoxClips()[1].Path);
        byte[] polyglot = [.. wav, .. "<script>fetch('/api/jobs',{method:'DELETE'})</script>"u8.ToArray()];
        var html = await UploadAsync(polyglot, "x.html");
        var plain = await UploadAsync(wav, "clip.wav");
        foreach (var id in new[] { html, plain })
        {
            Assert.Equal("completed", (await _node.EventsAsync(id))[^1].GetProperty("state").GetString());
        }

        using var served = await _node.Client.GetAsync($"/api/jobs/{html}/media");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("application/octet-stream", served.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", served.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", Assert.Single(served.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("sandbox", Assert.Single(served.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

        using var audio = await _node.Client.GetAsync($"/api/jobs/{plain}/media");
        Assert.Equal("audio/wav", audio.Content.Headers.ContentType?.MediaType);
        Assert.Null(audio.Content.Headers.ContentDisposition);

        // Every /api answer carries the two headers, errors included.
        using var missing = await _node.Client.GetAsync("/api/jobs/nope");
        Assert.Equal("nosniff", Assert.Single(missing.Headers.GetValues("X-Content-Type-Options")));
        Assert.StartsWith("default-src 'none'; sandbox", Assert.Single(missing.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    /// <summary>
    /// The page's session opens the API from the page's own origin only: another origin's POST and WebSocket carrying
    /// the cookie are refused (403) with nothing done, the same requests from the node's origin pass; the cookie is not
    /// the token.
    /// </summary>
    [Fact]
    public async Task SessionCookie_FromAnotherOrigin_IsRefused_FromItsOwnAccepted()
    {
        var (cookies, page) = await SignInAsync();
        var cookie = Assert.Single(cookies.GetCookies(_node.Api));
        Assert.Equal("mc_session", cookie.Name);
        Assert.True(cookie.HttpOnly);
        Assert.DoesNotContain(_node.Token, cookie.Value, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await page.GetAsync("/api/jobs")).StatusCode);

        var wav = await File.ReadAllBytesAsync(SpeechSampleMaker.LibriVoxClips()[1].Path);
        foreach (var (header, value) in new[] { ("Origin", Evil), ("Sec-Fetch-Site", "same-site"), ("Sec-Fetch-Site", "cross-site") })
        {
            using var request = Upload(wav, "clip.wav");
            request.Headers.Add(header, value);
            using var refused = await page.SendAsync(request);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{header}: {value} answered {refused.StatusCode}");
            Assert.Contains("a signed-in page may send this only from", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var noOrigin = Upload(wav, "clip.wav");
        Assert.Equal(HttpStatusCode.Forbidden, (await page.SendAsync(noOrigin)).StatusCode);
        Assert.Empty(await _node.Client.GetFromJsonAsync<JsonElement[]>("/api/jobs") ?? []);

        using var sameOrigin = Upload(wav, "clip.wav");
        sameOrigin.Headers.Add("Origin", _node.Api.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.Accepted, (await page.SendAsync(sameOrigin)).StatusCode);
        using var fetched = Upload(wav, "clip.wav");
        fetched.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Accepted, (await page.SendAsync(fetched)).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, await LiveStatusAsync(cookies, Evil));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await LiveStatusAsync(cookies, _node.Api.GetLeftPart(UriPartial.Authority)));
    }

    /// <summary>Signing out ends the session on the server: the same cookie, sent again, opens nothing; nor does one past its lifetime.</summary>
    [Fact]
    public async Task SessionCookie_AfterSignOutOrExpiry_OpensNothing()
    {
        var (cookies, page) = await SignInAsync();
        var kept = Assert.Single(cookies.GetCookies(_node.Api)).Value;
        Assert.Equal(HttpStatusCode.NoContent, (await page.GetAsync("/api/session")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await page.DeleteAsync("/api/session")).StatusCode);
        using var replay = new HttpClient { BaseAddress = _node.Api };
        replay.DefaultRequestHeaders.Add("Cookie", $"mc_session={kept}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.GetAsync("/api/jobs")).StatusCode);

        var (_, later) = await SignInAsync();
        _clock.Advance(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await later.GetAsync("/api/jobs")).StatusCode);
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await later.GetAsync("/api/jobs")).StatusCode);
    }

    /// <summary>
    /// Cluster leave/down, promotion and server paths are the operator's: absent from the API listener even with the
    /// token, served on the management listener; a session cookie does not open them even there.
    /// </summary>
    [Fact]
    public async Task OperatorRoutes_AreAbsentFromTheApiListener()
    {
        var operatorRequests = new (string Path, object Body)[]
        {
            ("/api/cluster/down-unreachable", new { }),
            ("/api/cluster/leave", new { address = "10.0.0.9:4053" }),
            ("/api/cluster/down", new { address = "10.0.0.9:4053" }),
            ("/api/models/shot-movement/promote", new { version = 99 }),
        };
        foreach (var (path, body) in operatorRequests)
        {
            using var absent = await _node.Client.PostAsJsonAsync(path, body);
            Assert.True(absent.StatusCode == HttpStatusCode.NotFound, $"{path} on the API listener answered {absent.StatusCode}");
            Assert.Contains("is an operator route, served on the management endpoint only", await absent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var downed = await _node.Operator.PostAsJsonAsync("/api/cluster/down-unreachable", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, downed.StatusCode);
            Assert.Contains("no member is unreachable", await downed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await _node.Client.PostAsJsonAsync("/api/jobs", new { path = "/etc/hostname" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _node.Client.PostAsJsonAsync("/api/models/text/train", new { paths = new[] { "/etc" } })).StatusCode);

        var (cookies, _) = await SignInAsync();
        using var page = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = _node.Management };
        page.DefaultRequestHeaders.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Unauthorized, (await page.PostAsJsonAsync("/api/cluster/down-unreachable", new { })).StatusCode);
    }

    /// <summary>The token file is made 0600 in a 0700 data directory; an empty or short one is refused at start, naming it.</summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TokenFiles_AreMadePrivate_AndAnEmptyOrShortOneIsRefused()
    {
        var tokenPath = Path.Combine(_node.DataDirectory, "api-token");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_node.DataDirectory));
        Assert.Equal(64, _node.Token.Length);

        foreach (var content in new[] { string.Empty, "\n", "short-token-of-31-characters-xx" })
        {
            var data = Directory.CreateTempSubdirectory("mc-token-").FullName;
            try
            {
                var path = Path.Combine(data, "api-token");
                await File.WriteAllTextAsync(path, content);
                var error = await Assert.ThrowsAsync<NodeSettingsException>(() => NodeHost.BuildAsync(["--Node:DataDirectory", data, "--Node:HttpPort", "0", "--Node:ManagementPort", "0"]));
                Assert.Equal(
                    $"the API token file '{path}' holds {content.Trim().Length} characters; a token has at least 32 (delete the file to have the node make one)",
                    error.Message);
            }
            finally
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    /// <summary>
    /// A dataset zip is unpacked entry by entry with the bytes written counted (not the sizes it declares), and links
    /// refused; either refusal leaves nothing unpacked.
    /// </summary>
    [Fact]
    public async Task DatasetZips_OverTheUnpackedLimit_OrHoldingALink_AreRefused_LeavingNothing()
    {
        var big = Path.Combine(_directory, "big.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(big, System.IO.Compression.ZipArchiveMode.Create))
        {
            for (var i = 0; i < 3; i++)
            {
                await using var entry = archive.CreateEntry($"part{i}.csv").Open();
                await entry.WriteAsync(new byte[50_000]);
            }
        }

        var linked = Path.Combine(_directory, "linked.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(linked, System.IO.Compression.ZipArchiveMode.Create))
        {
            var link = archive.CreateEntry("labels.csv");
            link.ExternalAttributes = 0xA1FF << 16; // a Unix symbolic link, rwxrwxrwx
            await using var target = link.Open();
            await target.WriteAsync("/etc/shadow"u8.ToArray());
        }

        foreach (var (zip, reason) in new[]
        {
            (big, "it unpacks to more than 100000 bytes, the limit for an uploaded dataset (Node:Training:MaxUnpackedBytes)"),
            (linked, "its entry 'labels.csv' is a symbolic link; a dataset holds files only"),
        })
        {
            using var upload = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(zip)), "file", Path.GetFileName(zip) } };
            using var refused = await _node.Client.PostAsync("/api/models/text/train", upload);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal($"'{Path.GetFileName(zip)}' is not a dataset zip the node can unpack: {reason}", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        var unpacked = Path.Combine(_node.DataDirectory, "datasets", ".uploads", "text");
        Assert.Empty(Directory.Exists(unpacked) ? Directory.GetFileSystemEntries(unpacked) : []);

        // A dataset for a task there is not is unpacked, refused by the trainer, and removed by it.
        using (var upload = new MultipartFormDataContent { { new ByteArrayContent("text,label\nhello,positive\n"u8.ToArray()), "file", "labels.csv" } })
        using (var refused = await _node.Client.PostAsync("/api/models/bogus/train", upload))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.StartsWith("unknown task 'bogus'", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        var bogus = Path.Combine(_node.DataDirectory, "datasets", ".uploads", "bogus");
        for (var deadline = DateTime.UtcNow.AddSeconds(30); Directory.Exists(bogus) && Directory.GetFileSystemEntries(bogus).Length > 0; await Task.Delay(100))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the refused upload is still unpacked: {string.Join(", ", Directory.GetFileSystemEntries(bogus))}");
        }
    }

    private async Task<(CookieContainer Cookies, HttpClient Page)> SignInAsync()
    {
        var cookies = new CookieContainer();
        var page = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = _node.Api };
        using var signIn = await page.PostAsJsonAsync("/api/session", new { token = _node.Token });
        Assert.Equal(HttpStatusCode.NoContent, signIn.StatusCode);
        return (cookies, page);
    }

    private async Task<string> UploadAsync(byte[] bytes, string name)
    {
        using var request = Upload(bytes, name);
        using var response = await _node.Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"upload of '{name}' answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static HttpRequestMessage Upload(byte[] bytes, string name) =>
        new(HttpMethod.Post, "/api/jobs") { Content = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", name } } };

    /// <summary>The HTTP status of a WebSocket handshake to /ws/live carrying the session cookie and <paramref name="origin"/>.</summary>
    private async Task<HttpStatusCode> LiveStatusAsync(CookieContainer cookies, string origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.Cookies = cookies;
        socket.Options.SetRequestHeader("Origin", origin);
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            await socket.ConnectAsync(new UriBuilder(_node.Api) { Scheme = "ws", Path = "/ws/live" }.Uri, CancellationToken.None);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }

        return socket.HttpStatusCode;
    }
}
