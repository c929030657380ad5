using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Media.Samples;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace MediaCluster.Node.Tests;

public sealed class ApiTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-api-").FullName;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    private string Allowed => Path.Combine(_directory, "media");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Allowed);
        _app = await NodeHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--Node:DataDirectory", Path.Combine(_directory, "data"), "--Node:AllowedRoots:0", Allowed]);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var token = (await File.ReadAllTextAsync(Path.Combine(_directory, "data", "api-token"))).Trim();
        _client = new HttpClient { BaseAddress = new Uri(address) };
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Api_WithoutToken_Is401_ButHealthIsOpen()
    {
        using var anonymous = new HttpClient { BaseAddress = _client.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/jobs")).StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/jobs", new { path = "/etc/passwd" })).StatusCode);
        Assert.Equal("ok", await anonymous.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Submit_PathOutsideAllowedRoots_IsRefused()
    {
        var response = await _client.PostAsJsonAsync("/api/jobs", new { path = Path.Combine(Allowed, "..", "..", "etc", "passwd") });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not inside an allowed root", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Submit_Clip_CompletesAndServesItsArtifacts()
    {
        var clip = Path.Combine(Allowed, "clip.wav");
        File.Copy(SpeechSampleMaker.LibriVoxClips()[1].Path, clip);
        var submitted = await _client.PostAsJsonAsync("/api/jobs", new { path = clip });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // Server-sent events: progress in order, ending with the terminal state.
        using var events = await _client.GetStreamAsync($"/api/jobs/{id}/events").WaitAsync(TimeSpan.FromMinutes(2));
        using var reader = new StreamReader(events);
        var updates = new List<JsonElement>();
        while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2)) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                updates.Add(JsonDocument.Parse(line[6..]).RootElement);
            }
        }

        Assert.Equal("completed", updates[^1].GetProperty("state").GetString());
        var transcribed = updates.Select(u => u.GetProperty("segments_transcribed").GetInt32()).ToList();
        Assert.Equal(transcribed.Order(), transcribed);
        Assert.Equal("completed", (await _client.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}")).GetProperty("state").GetString());

        var list = await _client.GetFromJsonAsync<JsonElement>("/api/jobs");
        Assert.Contains(list.EnumerateArray(), j => j.GetProperty("id").GetString() == id);
        var text = await _client.GetStringAsync($"/api/jobs/{id}/artifacts/transcript.txt");
        Assert.Contains("young man", text);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/jobs/{id}/artifacts/..%2F..%2Fapi-token")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/jobs/nope")).StatusCode);

        var metrics = await _client.GetStringAsync("/metrics");
        Assert.Contains("mediacluster_jobs{state=\"completed\"} 1\n", metrics);
        Assert.Contains("mediacluster_asr_recognitions_total 1\n", metrics);
        Assert.Equal("ready", await _client.GetStringAsync("/readyz"));
    }
}
