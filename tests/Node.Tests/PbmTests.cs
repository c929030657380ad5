using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Cli;
using MediaCluster.Media.Samples;

namespace MediaCluster.Node.Tests;

/// <summary>pbm against a served node's management endpoint, found through the data directory.</summary>
public sealed class PbmTests : PbmTest
{
    [Fact]
    public async Task SubmitWait_ShowsProgressInOrder_ThenListStatusAndResult()
    {
        var clip = await SpeechSampleMaker.WriteAsync(Path.Combine(Folder, "three clips.wav"), TimeSpan.Zero, clipCount: 3);

        var (status, output, errors) = await PbmAsync("media", "submit", clip.Path, "--wait");

        Assert.True(status == 0, $"submit --wait exited {status}: {errors}{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var id = lines[0].Split(' ')[1];
        Assert.Equal($"submitted {id} {clip.Path}", lines[0]);
        Assert.Matches($@"^{id} completed \d+ segments$", lines[^1]);
        var segments = int.Parse(lines[^1].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(segments, clip.ClipBounds.Count, clip.ClipBounds.Count + 1);
        var transcribed = lines[1..^1].Select(l => int.Parse(l.Split(' ')[2].Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(transcribed.Order(), transcribed);

        (status, output, _) = await PbmAsync("media", "list");
        Assert.Equal(0, status);
        Assert.Equal(["ID\tSTATE\tSEGMENTS\tDURATION\tTITLE\tSUBMITTED\tELAPSED\tERROR", $"{id}\tcompleted\t{segments}/{segments}\t"], output.Split('\n').Take(2).Select(l => l.Split("00:")[0]));

        (status, output, _) = await PbmAsync("--json", "media", "status", id);
        Assert.Equal(0, status);
        var job = JsonDocument.Parse(output).RootElement;
        Assert.Equal("completed", job.GetProperty("state").GetString());
        Assert.Equal(segments, job.GetProperty("segments_transcribed").GetInt32());

        var results = Path.Combine(Folder, "results");
        (status, output, _) = await PbmAsync("media", "result", id, "--out", results);
        Assert.Equal(0, status);
        Assert.Equal(8, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // every speech artifact
        Assert.Equal(
            await Served.Client.GetStringAsync($"/api/jobs/{id}/artifacts/transcript.srt"),
            await File.ReadAllTextAsync(Path.Combine(results, "transcript.srt")));
        Assert.Contains("Keywords: ", await File.ReadAllTextAsync(Path.Combine(results, "summary.txt")));
    }

    [Fact]
    public async Task OnATerminal_SubmitWaitAndListDrawWithSpectre()
    {
        var output = new StringWriter();
        var clip = SpeechSampleMaker.LibriVoxClips()[1].Path;

        var status = await Pbm.RunAsync(["--data-dir", Data, "media", "submit", clip, "--wait"], output, TextWriter.Null, terminal: true, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(0, status);
        var id = (await Served.Client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))!.Single().GetProperty("id").GetString()!;
        var shown = WithoutAnsi(output.ToString());
        Assert.Contains($"submitted {id} ", shown); // the path follows, wrapped at the console's width
        Assert.True(shown.Contains("100%", StringComparison.Ordinal), shown);

        output.GetStringBuilder().Clear();
        Assert.Equal(0, await Pbm.RunAsync(["--data-dir", Data, "media", "list"], output, TextWriter.Null, terminal: true, CancellationToken.None));
        var table = WithoutAnsi(output.ToString());
        Assert.Matches($@"│ {id} │ completed │ 1/1 +│ \d\d:\d\d:\d\d │ \d\d:\d\d:\d\d  +│ sense", table);
        Assert.StartsWith("┌", table);
    }

    [Fact]
    public async Task Cancel_EndsTheJobCancelled_AndWatchExitsOne()
    {
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(Folder, "long.wav"), TimeSpan.Zero, clipCount: 10);
        var (status, output, _) = await PbmAsync("--json", "media", "submit", sample.Path);
        Assert.Equal(0, status);
        var id = JsonDocument.Parse(output).RootElement.GetProperty("id").GetString()!;

        (status, output, _) = await PbmAsync("media", "cancel", id);
        Assert.Equal(0, status);
        Assert.Equal($"cancelling {id}\n", output);

        (status, output, _) = await PbmAsync("media", "watch", id);
        Assert.Equal(1, status);
        Assert.EndsWith($"{id} cancelled: cancelled through the API\n", output);

        (status, _, var refused) = await PbmAsync("media", "cancel", id);
        Assert.Equal(1, status);
        Assert.Equal($"error: job '{id}' has already ended (cancelled); there is nothing to cancel\n", refused);

        (status, _, var errors) = await PbmAsync("media", "result", id);
        Assert.Equal(1, status);
        Assert.Equal($"error: job {id} is cancelled: cancelled through the API; results exist once it has completed\n", errors);
    }

    [Fact]
    public async Task WatchAll_ShowsEveryJob_UntilInterrupted()
    {
        var clip = SpeechSampleMaker.LibriVoxClips()[1].Path;
        var (status, output, _) = await PbmAsync("--json", "media", "submit", clip, clip, "--wait");
        Assert.Equal(0, status);
        var ids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(2).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).ToList();

        using var interrupt = new CancellationTokenSource();
        var lines = new LineWriter(count =>
        {
            if (count == ids.Count)
            {
                interrupt.Cancel(); // as Ctrl+C would, once both jobs are shown
            }
        });
        status = await Pbm.RunAsync(["--data-dir", Data, "media", "watch"], lines, TextWriter.Null, terminal: false, interrupt.Token).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, status);
        Assert.Equal(ids.AsEnumerable().Reverse().Select(id => $"{id} completed 1 segments"), lines.Lines); // newest first

        // A page of the listing, newest first, or every page; a completed job is not retried.
        (status, var listed, _) = await PbmAsync("media", "list", "--limit", "1");
        Assert.Equal(0, status);
        Assert.Equal([ids[1]], listed.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..].Select(l => l.Split('\t')[0]));
        (status, listed, _) = await PbmAsync("media", "list", "--all");
        Assert.Equal([ids[1], ids[0]], listed.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..].Select(l => l.Split('\t')[0]));
        (status, _, var refused) = await PbmAsync("media", "retry", ids[0]);
        Assert.Equal((1, $"error: job '{ids[0]}' completed; submit its media again to process it again"), (status, refused.Trim()));
    }

    [Fact]
    public async Task ClusterShow_OnTheEmbeddedNode_ListsItAsTheOneUpMember_LeaderAndOldest()
    {
        var (status, output, _) = await PbmAsync("--json", "cluster", "show");
        Assert.Equal(0, status);
        var cluster = JsonDocument.Parse(output).RootElement;
        var self = cluster.GetProperty("self").GetString();
        Assert.StartsWith("akka.tcp://mediacluster@127.0.0.1:", self);
        Assert.Equal((self, self), (cluster.GetProperty("leader").GetString(), cluster.GetProperty("oldest").GetString()));
        var member = Assert.Single(cluster.GetProperty("members").EnumerateArray().ToList());
        Assert.Equal((self, "up", true), (member.GetProperty("address").GetString(), member.GetProperty("status").GetString(), member.GetProperty("reachable").GetBoolean()));
        Assert.Equal(["api", "gpu", "jobs"], member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        (status, _, var errors) = await PbmAsync("cluster", "down", "10.9.9.9:1");
        Assert.Equal(1, status);
        Assert.Equal($"error: no member '10.9.9.9:1' (members: {self})\n", errors);
    }

    [Fact]
    public async Task WrongToken_MissingFile_AndUnknownCommand_FailClearly()
    {
        var (status, _, errors) = await PbmAsync("--token", "wrong", "media", "list");
        Assert.Equal(1, status);
        Assert.StartsWith("error: missing or wrong bearer token", errors);

        (status, _, errors) = await PbmAsync("media", "submit", Path.Combine(Folder, "nope.wav"));
        Assert.Equal(1, status);
        Assert.Equal($"error: '{Path.Combine(Folder, "nope.wav")}' does not exist\n", errors);

        var big = Path.Combine(Folder, "big.wav");
        await File.WriteAllBytesAsync(big, new byte[UploadLimit + 1]);
        (status, _, errors) = await PbmAsync("media", "submit", big);
        Assert.Equal(1, status);
        Assert.Equal($"error: '{big}' is {UploadLimit + 1} bytes, over the node's upload limit of {UploadLimit} bytes (Node:MaxUploadBytes); nothing was submitted\n", errors);

        (status, _, errors) = await PbmAsync("media", "frobnicate");
        Assert.Equal(2, status);
        Assert.StartsWith("pbm: unknown command 'media frobnicate'", errors);

        (status, _, errors) = await PbmAsync("--host", "127.0.0.1:1", "media", "list");
        Assert.Equal(1, status);
        Assert.StartsWith("error: cannot reach the node at http://127.0.0.1:1/", errors);
    }

    private static string WithoutAnsi(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\x1b\[[0-9;?]*[A-Za-z]", "");

    /// <summary>Collects whole lines and hands each to a callback as it is written.</summary>
    private sealed class LineWriter(Action<int> onLine) : StringWriter
    {
        public List<string> Lines { get; } = [];

        public override void WriteLine(string? value)
        {
            Lines.Add(value ?? "");
            onLine(Lines.Count);
        }
    }

    [Fact]
    public async Task Live_File_PrintsEachFinalWithItsTime_ThenTheSessionsJob()
    {
        var clip = await SpeechSampleMaker.WriteAsync(Path.Combine(Folder, "live clips.wav"), TimeSpan.Zero, minGap: 1.2, maxGap: 1.2, clipCount: 3);

        var (status, output, errors) = await PbmAsync("live", clip.Path, "--speed", "0");

        Assert.True(status == 0, $"live exited {status}: {errors}{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var finals = lines[..^1];
        Assert.True(finals.Length >= 3, output);
        Assert.All(finals, line => Assert.Matches(@"^\[\d\d:\d\d\.\d–\d\d:\d\d\.\d\] \[spk1\] \w", line)); // one reader: one provisional speaker
        var job = System.Text.RegularExpressions.Regex.Match(lines[^1], "^The session is job ([0-9a-f]{12}): `pbm media result \\1`").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(job), lines[^1]);
        Assert.Equal("completed", (await Served.EventsAsync(job))[^1].GetProperty("state").GetString());

        // --json: the node's messages as they came, the job id first.
        (status, output, errors) = await PbmAsync("--json", "live", SpeechSampleMaker.LibriVoxClips()[1].Path, "--speed", "0");
        Assert.True(status == 0, errors);
        var messages = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.True(messages[0].TryGetProperty("job", out _), output);
        Assert.Contains(messages, m => m.TryGetProperty("partial", out _));
        Assert.Contains(messages, m => m.TryGetProperty("text", out var text) && text.GetString()!.Contains("young man", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Live_OnATerminal_RewritesThePartialInPlace()
    {
        var output = new StringWriter();
        var status = await Pbm.RunAsync(["--data-dir", Data, "live", SpeechSampleMaker.LibriVoxClips()[1].Path, "--speed", "0"], output, new StringWriter(), terminal: true, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(0, status);
        var text = output.ToString();
        Assert.Contains("\r\u001b[2K\u001b[2m", text);
        Assert.Matches(@"\r\u001b\[2K\[00:00\.\d–00:0\d\.\d\] \[spk1\] .*young man", text);
    }

    [Fact]
    public async Task Live_MissingFileOrBadSpeed_SaysSo()
    {
        var (status, _, errors) = await PbmAsync("live", Path.Combine(Folder, "nope.wav"));
        Assert.Equal((1, $"error: no file '{Path.Combine(Folder, "nope.wav")}'\n"), (status, errors));
        (status, _, errors) = await PbmAsync("live", "x.wav", "--speed", "fast");
        Assert.Equal(2, status);
        Assert.Contains("--speed takes a number", errors);
    }
}
