using System.Text.RegularExpressions;
using MediaCluster.Media.Samples;
using Microsoft.Playwright;

namespace MediaCluster.Node.Tests;

/// <summary>
/// The web page in a real browser: Debian's Chromium (never a downloaded one) driven by Playwright against a node served in
/// this process. Screenshots of each view go to .artifacts/page/ for a person to look at.
/// </summary>
public sealed partial class PageTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-page-").FullName;
    private readonly string _screenshots = Path.Combine(Checkout.Root, ".artifacts", "page");
    private ServedNode _node = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private SpeechSample _speech = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./mc setup installs Debian's chromium");
        Directory.CreateDirectory(_screenshots);
        _speech = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, "two clips.wav"), TimeSpan.Zero, minGap: 1.2, maxGap: 1.2, clipCount: 2);
        _node = await ServedNode.StartAsync(Path.Combine(_directory, "data"), "--Node:MaxUploadBytes", "4000000");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                $"--use-file-for-fake-audio-capture={_speech.Path}", "--autoplay-policy=no-user-gesture-required",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Page_SignIn_Upload_Progress_Result_SeekFromTheTranscript_Download_AndAHostileUpload()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_node.Api.ToString());

        // A wrong token is refused saying so; the right one opens the jobs view.
        await page.FillAsync("#token", "not-the-token");
        await page.ClickAsync("#login-form button");
        await Expect(page.Locator("#login-error")).ToContainTextAsync("wrong token");
        await Shot(page, "login-refused");
        await SignInAsync(page);
        await Expect(page.Locator("#limit")).ToHaveTextAsync("3.8 MiB");

        // Real speech and a hostile file (text named .wav), uploaded together.
        var hostile = Path.Combine(_directory, "notes.wav");
        await File.WriteAllTextAsync(hostile, "these are not the sounds you are looking for\n");
        await page.SetInputFilesAsync("#files", [_speech.Path, hostile]);
        await Expect(page.Locator("#uploads li")).ToHaveCountAsync(2);
        await Expect(page.Locator("#uploads li .status").First).ToContainTextAsync("uploaded: job", new() { Timeout = 30_000 });
        var id = JobIdIn(await page.Locator("#uploads li", new() { HasText = "two clips.wav" }).Locator(".status").InnerTextAsync());
        var row = page.Locator($"tr[data-id='{id}']");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("completed", new() { Timeout = 120_000 });
        var failed = page.Locator("#job-table tr", new() { HasText = "notes.wav" });
        await Expect(failed.Locator("td").Nth(1)).ToHaveTextAsync("failed", new() { Timeout = 60_000 });
        await Expect(failed.Locator("td").Nth(6)).ToContainTextAsync("notes.wav");
        await Shot(page, "jobs");

        await row.Locator("a").ClickAsync();
        await AssertTheResultAsync(page, id);

        // Each file downloads.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#artifacts a[download='transcript.srt']"));
        var saved = Path.Combine(_directory, "downloaded.srt");
        await download.SaveAsAsync(saved);
        Assert.Equal(await _node.Client.GetStringAsync($"/api/jobs/{id}/artifacts/transcript.srt"), await File.ReadAllTextAsync(saved));

        // The hostile upload's page says why it failed; the cluster view shows this node.
        await page.GotoAsync(_node.Api + $"#/job/{JobIdOfRow(await failed.GetAttributeAsync("data-id"))}");
        await Expect(page.Locator("#job-state")).ToContainTextAsync("failed");
        await Expect(page.Locator("#job-state")).ToHaveClassAsync("error");
        await page.ClickAsync("#nav-cluster");
        await Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#members tbody td").Nth(1)).ToHaveTextAsync("api, gpu, jobs");
        await Expect(page.Locator("#members tbody td").Nth(5)).ToHaveTextAsync(new Regex(@"^\d+/\d+$"));
        await Expect(page.Locator("#members tbody td").Nth(8)).ToHaveTextAsync("this node, leader");
        await Shot(page, "cluster");
    }

    /// <summary>A job's result view: player, transcript lines, timeline, summary; a click on a line seeks the player there.</summary>
    private async Task AssertTheResultAsync(IPage page, string id)
    {
        var lines = page.Locator("#transcript li");
        await Expect(lines).ToHaveCountAsync(await SegmentCountAsync(id));
        Assert.True(await lines.CountAsync() >= 2, "two clips should make at least two transcript lines");
        await Expect(page.Locator("#player audio")).ToHaveCountAsync(1);
        await Expect(page.Locator("#timeline span")).ToHaveCountAsync(await lines.CountAsync());
        await Expect(page.Locator("#summary p").First).Not.ToBeEmptyAsync();

        // Clicking a line moves the player there, and the line becomes the current one.
        var second = lines.Nth(1);
        var start = double.Parse(await second.GetAttributeAsync("data-start") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync("() => document.querySelector('#player audio').readyState >= 1");
        await second.ClickAsync();
        var time = await page.EvaluateAsync<double>("() => document.querySelector('#player audio').currentTime");
        Assert.InRange(time, start - 0.05, start + 1.5);
        await Expect(second).ToHaveClassAsync(new Regex(@"\bcurrent\b"));
        await Shot(page, "job");
    }

    [Fact]
    public async Task Page_Speakers_EachLineInItsSpeakersColour_ATimelinePerSpeaker_AndARename()
    {
        var conversation = await ConversationMaker.WriteAsync(
            Path.Combine(_directory, "two voices.wav"), [Voice.Available[0], Voice.Available[1]], TimeSpan.FromSeconds(40), seed: 9, overlap: 0);
        var page = await NewPageAsync();
        await page.GotoAsync(_node.Api.ToString());
        await SignInAsync(page);
        await page.FillAsync("#upload-speakers", "2"); // the form field speakers
        await page.SetInputFilesAsync("#files", conversation.Path);
        await Expect(page.Locator("#uploads li .status").First).ToContainTextAsync("uploaded: job", new() { Timeout = 30_000 });
        var id = JobIdIn(await page.Locator("#uploads li .status").First.InnerTextAsync());
        var row = page.Locator($"tr[data-id='{id}']");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("completed", new() { Timeout = 120_000 });
        await row.Locator("a").ClickAsync();

        // Two speakers, each with its turns on its own track; every line names its speaker in that speaker's colour.
        var speakers = page.Locator("#speakers li");
        await Expect(speakers).ToHaveCountAsync(2);
        await Expect(speakers.Nth(0).Locator(".name")).ToHaveTextAsync("spk1");
        var rttm = await _node.Client.GetStringAsync($"/api/jobs/{id}/artifacts/diarization.rttm");
        await Expect(speakers.Nth(0).Locator(".track span")).ToHaveCountAsync(rttm.Split('\n').Count(l => l.Contains(" spk1 ", StringComparison.Ordinal)));
        var lines = page.Locator("#transcript li[data-speaker]");
        await Expect(lines).ToHaveCountAsync(await SegmentCountAsync(id));
        var colours = await page.EvaluateAsync<string[]>(
            "() => ['spk1', 'spk2'].map(s => getComputedStyle(document.querySelector(`#transcript li[data-speaker='${s}'] .who`)).color)");
        Assert.NotEqual(colours[0], colours[1]);
        await Expect(page.Locator("#work .bar.segment")).ToHaveCountAsync(await SegmentCountAsync(id));
        await Shot(page, "job-speakers");

        // Renamed on the page: the row, every line of that speaker and the files say the name.
        await speakers.Nth(0).Locator("button.rename").ClickAsync();
        await speakers.Nth(0).Locator("input").FillAsync("Anna");
        await speakers.Nth(0).Locator("button").ClickAsync();
        await Expect(page.Locator("#speakers li").Nth(0).Locator(".name")).ToHaveTextAsync("Anna");
        var spk1Lines = page.Locator("#transcript li[data-speaker='spk1'] .who");
        Assert.All(await spk1Lines.AllInnerTextsAsync(), name => Assert.Equal("Anna", name));
        Assert.Contains("[Anna] ", await _node.Client.GetStringAsync($"/api/jobs/{id}/artifacts/transcript.txt"), StringComparison.Ordinal);
        await Shot(page, "job-speakers-renamed");
    }

    [Fact]
    public async Task Page_Video_ShowsItsScenesAndContactSheet_AClickOnASceneSeeksThere()
    {
        var video = Path.Combine(_directory, "three shots.mp4");
        await ShotClips.WriteScenesAsync(
            video, [(ShotMovement.Static, TimeSpan.FromSeconds(3)), (ShotMovement.Motion, TimeSpan.FromSeconds(3)), (ShotMovement.Push, TimeSpan.FromSeconds(3))], seed: 71, width: 320, height: 180);
        var page = await NewPageAsync();
        await page.GotoAsync(_node.Api.ToString());
        await SignInAsync(page);
        await page.SetInputFilesAsync("#files", video);
        await Expect(page.Locator("#uploads li .status").First).ToContainTextAsync("uploaded: job", new() { Timeout = 30_000 });
        var id = JobIdIn(await page.Locator("#uploads li .status").First.InnerTextAsync());
        var row = page.Locator($"tr[data-id='{id}']");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("completed", new() { Timeout = 180_000 });

        await row.Locator("a").ClickAsync();
        var scenes = page.Locator("#scenes li");
        await Expect(scenes).ToHaveCountAsync(3);
        await Expect(scenes.Nth(1)).ToContainTextAsync("motion");
        await Expect(page.Locator("#player video")).ToHaveCountAsync(1);
        await page.WaitForFunctionAsync("() => document.querySelector('#contact-sheet').complete && document.querySelector('#contact-sheet').naturalWidth === 8 * 120");
        await page.WaitForFunctionAsync("() => document.querySelector('#player video').readyState >= 1");
        // The scenes are the player's chapters (chapters.vtt, parsed by the browser); the one playing is marked.
        await page.WaitForFunctionAsync("() => { const t = document.querySelector('#player video').textTracks[0]; return t && t.kind === 'chapters' && t.cues && t.cues.length === 3; }");
        Assert.Contains("motion", await page.EvaluateAsync<string>("() => document.querySelector('#player video').textTracks[0].cues[1].text"), StringComparison.Ordinal);
        await scenes.Nth(2).ClickAsync();
        Assert.InRange(await page.EvaluateAsync<double>("() => document.querySelector('#player video').currentTime"), 5.9, 7.5);
        await Expect(scenes.Nth(2)).ToHaveClassAsync("current");
        await Expect(page.Locator("#scenes li.current")).ToHaveCountAsync(1);
        await Expect(page.Locator("#transcript li")).ToHaveCountAsync(0);
        await Expect(page.Locator("#artifacts a[download='scenes.csv']")).ToHaveCountAsync(1);

        // Where the time went: the job's phases, and each scene as a bar on the node that labelled it.
        await Expect(page.Locator("#work .bar.scene")).ToHaveCountAsync(3);
        await Expect(page.Locator("#work li")).ToHaveCountAsync(2); // the job's phases, and this one node
        await Expect(page.Locator("#work .bar.probe")).ToHaveCountAsync(1);
        await Expect(page.Locator("#work-summary")).ToContainTextAsync("0 segments and 3 scenes on 1 node(s)");
        var second = page.Locator("#work .bar.scene[title^='scene 2 ']"); // bars are in order of start: scenes are labelled at once
        await Expect(second).ToHaveCountAsync(1);
        Assert.Matches(@"^scene 2 on 127\.0\.0\.1:\d+: waited \d+\.\d\d s, worked \d+\.\d\d s$", await second.GetAttributeAsync("title"));
        await Shot(page, "job-video");
    }

    [Fact]
    public async Task Page_Live_ShowsTheWordsSpokenIntoTheMicrophone_ThenTheSessionsJob()
    {
        // Chromium's fake capture plays the two LibriVox clips (in a loop) as the microphone.
        var page = await NewPageAsync();
        await page.GotoAsync(_node.Api + "#/live");
        await SignInAsync(page);
        await page.ClickAsync("#nav-live");
        await page.ClickAsync("#live-start");
        await Expect(page.Locator("#live-status")).ToContainTextAsync("This session is job", new() { Timeout = 30_000 });
        var first = page.Locator("#live-finals p").First;
        await Expect(first).ToContainTextAsync(new Regex(@"\w+ \w+ \w+"), new() { Timeout = 60_000 });
        await Shot(page, "live");
        var heard = await page.Locator("#live-finals").InnerTextAsync();
        var reference = string.Join(' ', SpeechSampleMaker.LibriVoxClips().Take(2).Select(c => c.Text));
        var words = Media.Asr.WordErrorRate.Normalize(heard).ToHashSet();
        Assert.True(Media.Asr.WordErrorRate.Normalize(reference).Count(words.Contains) >= 5, $"heard: {heard}");
        await page.ClickAsync("#live-stop");
        await Expect(page.Locator("#live-status a")).ToHaveTextAsync("the session's job", new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task Page_WithoutSignIn_ShowsTheSignInForm_TheCookieIsHttpOnly_ErrorsAreSentences()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_node.Api + "#/jobs");
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        await Expect(page.Locator("#jobs")).ToBeHiddenAsync();
        var status = await page.EvaluateAsync<int>("async () => (await fetch('/api/jobs')).status");
        Assert.Equal(401, status);

        // The session lives in an HttpOnly cookie (not the token): the page's script cannot read it.
        await SignInAsync(page);
        Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie"));
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "mc_session");
        Assert.DoesNotContain(_node.Token, cookie.Value, StringComparison.Ordinal);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        // Readable errors: a file over the node's limit is refused before it is sent; a node that cannot be reached says so.
        var big = Path.Combine(_directory, "big.wav");
        await File.WriteAllBytesAsync(big, new byte[4_100_000]);
        await page.SetInputFilesAsync("#files", big);
        await Expect(page.Locator("#uploads li .status.error")).ToHaveTextAsync("3.9 MiB is larger than this node's limit of 3.8 MiB");
        var listing = new System.Text.RegularExpressions.Regex("/api/jobs(\\?.*)?$");
        await page.RouteAsync(listing, route => route.AbortAsync());
        await page.EvaluateAsync("() => { location.hash = '#/cluster'; }");
        await page.EvaluateAsync("() => { location.hash = '#/jobs'; }");
        await Expect(page.Locator("#banner")).ToHaveTextAsync("The node cannot be reached; is it running?");
        await page.UnrouteAsync(listing);
        await page.ClickAsync("#logout");
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        Assert.Equal(401, await page.EvaluateAsync<int>("async () => (await fetch('/api/jobs')).status"));
    }

    [Fact]
    public async Task Page_Models_ADatasetUploadedTrainsAVersion_ItsConfusionMatrixShows_AndTheTrainerSaysWhatItDoes()
    {
        // A task of the user's own (defined through the API, as pbm does), then its dataset uploaded on the page: a zip
        // of 1 000 real FashionMNIST pictures and 200 test ones as IDX pairs.
        using (var defined = await _node.Client.PostAsync("api/models/tasks", System.Net.Http.Json.JsonContent.Create(new
        {
            name = "fashion", kind = "image", labels = Testing.FashionMnist.Labels, config = new { trainer = "cnn", epochs = 1, threads = 1 },
        })))
        {
            Assert.True(defined.IsSuccessStatusCode, await defined.Content.ReadAsStringAsync());
        }

        var data = Path.Combine(_directory, "fashion");
        Testing.FashionMnist.WriteSubset(data, train: 1000, test: 200);
        var zip = Path.Combine(_directory, "fashion.zip");
        System.IO.Compression.ZipFile.CreateFromDirectory(data, zip);

        var page = await NewPageAsync();
        await page.GotoAsync(_node.Api.ToString());
        await SignInAsync(page);
        await page.ClickAsync("#nav-cluster");
        await Expect(page.Locator("#tasks tbody tr", new() { HasText = "fashion" })).ToContainTextAsync("image" + "cnn" + "none" + string.Join(", ", Testing.FashionMnist.Labels));
        await Expect(page.Locator("#tasks tbody tr", new() { HasText = "shot-movement" })).ToContainTextAsync("scene (built in)");
        await page.SelectOptionAsync("#dataset-task", "fashion");
        await page.SetInputFilesAsync("#dataset-file", zip);
        await page.ClickAsync("#dataset-form button");
        await Expect(page.Locator("#dataset-status")).ToHaveTextAsync(new Regex("^fashion: training on dataset [0-9a-f]{16} queued\\.$"));

        // The view follows the trainer by itself: the version appears promoted, and the task names it.
        var version = page.Locator("#versions tbody tr", new() { HasText = "fashion" });
        await Expect(version).ToContainTextAsync("promoted", new() { Timeout = 180_000 });
        await Expect(page.Locator("#tasks tbody tr", new() { HasText = "fashion" })).ToContainTextAsync("v1");
        await Expect(page.Locator("#trainer-status")).ToContainTextAsync("Last: fashion v1 promoted (the first fashion model: test macro-F1 ");

        await version.ClickAsync();
        await Expect(page.Locator("#version-title")).ToContainTextAsync("fashion v1: promoted, test macro-F1 ");
        await Expect(page.Locator("#version-title")).ToContainTextAsync("on 200 examples");
        await Expect(page.Locator("#confusion tbody tr")).ToHaveCountAsync(10);
        await Expect(page.Locator("#confusion thead th")).ToHaveCountAsync(13);
        var counted = 0;
        foreach (var cell in await page.Locator("#confusion tbody td:not(:nth-last-child(-n+2))").AllTextContentsAsync())
        {
            counted += int.Parse(cell, System.Globalization.CultureInfo.InvariantCulture);
        }

        Assert.Equal(200, counted);
        await Shot(page, "models");

        // A long run of another task, cancelled on the page while its training process works.
        using (var defined = await _node.Client.PostAsync("api/models/tasks", System.Net.Http.Json.JsonContent.Create(new
        {
            name = "fashion-long", kind = "image", labels = Testing.FashionMnist.Labels, config = new { trainer = "cnn", epochs = 40, threads = 1 },
        })))
        {
            Assert.True(defined.IsSuccessStatusCode, await defined.Content.ReadAsStringAsync());
        }

        await page.ReloadAsync();
        await page.SelectOptionAsync("#dataset-task", "fashion-long");
        await page.SetInputFilesAsync("#dataset-file", zip);
        await page.ClickAsync("#dataset-form button");
        await Expect(page.Locator("#trainer-status")).ToContainTextAsync(new Regex("^Training fashion-long on dataset [0-9a-f]{16}: training: epoch 1/40, step "), new() { Timeout = 120_000 });
        await page.ClickAsync("#trainer-cancel");
        await Expect(page.Locator("#dataset-status")).ToHaveTextAsync(new Regex("^fashion-long: cancelled the run\\(s\\) on dataset\\(s\\) [0-9a-f]{16}$"));
        await Expect(page.Locator("#trainer-status")).ToHaveTextAsync("The trainer is idle; 0 queued. Last: fashion-long cancelled (cancelled by request).", new() { Timeout = 60_000 });
        await Expect(page.Locator("#trainer-cancel")).ToBeHiddenAsync();

        // A dataset the task cannot take: the node's sentence, on the page.
        var bad = Path.Combine(_directory, "bad.csv");
        await File.WriteAllTextAsync(bad, "path,label\nmissing.png,Bag\n");
        await page.SetInputFilesAsync("#dataset-file", bad);
        await page.ClickAsync("#dataset-form button");
        await Expect(page.Locator("#dataset-status.error")).ToContainTextAsync("missing.png");
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await context.GrantPermissionsAsync(["microphone"], new BrowserContextGrantPermissionsOptions { Origin = _node.Api.GetLeftPart(UriPartial.Authority) });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        return page;
    }

    private async Task SignInAsync(IPage page)
    {
        await page.FillAsync("#token", _node.Token);
        await page.ClickAsync("#login-form button");
        await Expect(page.Locator("#nav")).ToBeVisibleAsync();
    }

    private async Task<int> SegmentCountAsync(string id)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await _node.Client.GetStringAsync($"/api/jobs/{id}/artifacts/transcript.json"));
        return json.RootElement.GetProperty("segments").GetArrayLength();
    }

    private Task Shot(IPage page, string name) => page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_screenshots, name + ".png"), FullPage = true });

    private static string JobIdIn(string status) => JobIdPattern().Match(status) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no job id in '{status}'");

    private static string JobIdOfRow(string? id) => id ?? throw new InvalidOperationException("the failed row has no job id");

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    [GeneratedRegex("job ([0-9a-f]{12})")]
    private static partial Regex JobIdPattern();
}
