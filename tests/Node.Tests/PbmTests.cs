using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Cli;
using MediaCluster.Media.Samples;

namespace MediaCluster.Node.Tests;

/// <summary>pbm against a served node's management endpoint, found through the data directory.</summary>
public sealed class PbmTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-pbm-").FullName;
    private ServedNode _node = null!;

    private string Data => Path.Combine(_directory, "data");

    private const long UploadLimit = 4_000_000;

    public async Task InitializeAsync() =>
        _node = await ServedNode.StartAsync(
            Data, "--Node:MaxUploadBytes", UploadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), "--Node:AllowedRoots:0", Path.Combine(_directory, "datasets"));

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task SubmitWait_ShowsProgressInOrder_ThenListStatusAndResult()
    {
        var clip = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, "three clips.wav"), TimeSpan.Zero, clipCount: 3);

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

        var results = Path.Combine(_directory, "results");
        (status, output, _) = await PbmAsync("media", "result", id, "--out", results);
        Assert.Equal(0, status);
        Assert.Equal(7, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(
            await _node.Client.GetStringAsync($"/api/jobs/{id}/artifacts/transcript.srt"),
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
        var id = (await _node.Client.GetFromJsonAsync<JsonElement[]>("/api/jobs"))!.Single().GetProperty("id").GetString()!;
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
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, "long.wav"), TimeSpan.Zero, clipCount: 10);
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

        (status, _, errors) = await PbmAsync("media", "submit", Path.Combine(_directory, "nope.wav"));
        Assert.Equal(1, status);
        Assert.Equal($"error: '{Path.Combine(_directory, "nope.wav")}' does not exist\n", errors);

        var big = Path.Combine(_directory, "big.wav");
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
        var clip = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, "live clips.wav"), TimeSpan.Zero, minGap: 1.2, maxGap: 1.2, clipCount: 3);

        var (status, output, errors) = await PbmAsync("live", clip.Path, "--speed", "0");

        Assert.True(status == 0, $"live exited {status}: {errors}{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var finals = lines[..^1];
        Assert.True(finals.Length >= 3, output);
        Assert.All(finals, line => Assert.Matches(@"^\[\d\d:\d\d\.\d–\d\d:\d\d\.\d\] \w", line));
        var job = System.Text.RegularExpressions.Regex.Match(lines[^1], "^The session is job ([0-9a-f]{12}): `pbm media result \\1`").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(job), lines[^1]);
        Assert.Equal("completed", (await _node.EventsAsync(job))[^1].GetProperty("state").GetString());

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
        Assert.Matches(@"\r\u001b\[2K\[00:00\.\d–00:0\d\.\d\] .*young man", text);
    }

    [Fact]
    public async Task Live_MissingFileOrBadSpeed_SaysSo()
    {
        var (status, _, errors) = await PbmAsync("live", Path.Combine(_directory, "nope.wav"));
        Assert.Equal((1, $"error: no file '{Path.Combine(_directory, "nope.wav")}'\n"), (status, errors));
        (status, _, errors) = await PbmAsync("live", "x.wav", "--speed", "fast");
        Assert.Equal(2, status);
        Assert.Contains("--speed takes a number", errors);
    }

    [Fact]
    public async Task Model_TrainListShowPromote()
    {
        var folder = Path.Combine(_directory, "datasets", "movement");
        var csv = await ShotClips.WriteDatasetAsync(folder, perLabel: 4, seed: 51);

        // The folder by its path on the node (this node's uploads are limited to 4 MB; uploads are tested below).
        var (status, output, errors) = await PbmAsync("model", "train", "shot-movement", folder, "--server-path");
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        Assert.Matches("^shot-movement: training on dataset [0-9a-f]{16} queued; ", output);
        var hash = output.Split(' ')[4];

        // The list shows the version with its metrics once the run is done: promoted, or rejected for not beating the
        // default model (made at start by the node's classifiers) on the same test split — the reason says which. (A
        // version is registered as a candidate a moment before that decision is written.)
        var deadline = DateTime.UtcNow.AddMinutes(3);
        string[] row;
        do
        {
            await Task.Delay(250);
            (status, output, _) = await PbmAsync("model", "list", "shot-movement");
            row = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).FirstOrDefault(r => r[6] == hash) ?? [];
            Assert.True(DateTime.UtcNow < deadline, $"no version on dataset {hash} in 3 minutes: {output}");
        }
        while (row.Length == 0 || row[2] == "candidate");
        Assert.Equal("16", row[5]);
        Assert.True(row[2] == "promoted" ? row[8].Contains("macro-F1", StringComparison.Ordinal) : row[2] == "rejected" && row[8].Contains("does not beat v", StringComparison.Ordinal), string.Join(' ', row));

        (status, output, _) = await PbmAsync("model", "show", "shot-movement", row[1]);
        Assert.Equal(0, status);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"shot-movement v{row[1]}: {row[2]} (", lines[0]);
        Assert.Equal("TRUE\\PREDICTED\tmotion\tpull\tpush\tstatic\tPRECISION\tRECALL", lines[2]);
        Assert.Equal(4, lines.Length - 3);

        // The same data named by its CSV: trained before. The trainer lists the run.
        (status, output, _) = await PbmAsync("model", "train", "shot-movement", csv, "--server-path");
        Assert.Equal($"shot-movement: dataset {hash} was trained before, as v{row[1]}\n", output);
        (_, output, _) = await PbmAsync("model", "training");
        Assert.Contains($"shot-movement v{row[1]} on {hash}: {row[2]} (", output);

        (status, _, errors) = await PbmAsync("model", "train", "shot-movement", "/etc", "--server-path");
        Assert.Equal((1, "error: '/etc' is not inside an allowed root (Node:AllowedRoots)\n"), (status, errors));
        (status, _, errors) = await PbmAsync("model", "train", "faces", csv);
        Assert.Equal((1, "error: unknown task 'faces' (known: shot-movement, shot-scale, text)\n"), (status, errors));
        (status, output, _) = await PbmAsync("model", "promote", "shot-movement", row[1]);
        Assert.Equal((0, $"shot-movement v{row[1]} promoted\n"), (status, output));
        (status, _, errors) = await PbmAsync("model", "promote", "shot-movement", "99");
        Assert.Equal((1, "error: the registry has no shot-movement v99\n"), (status, errors));
    }

    [Fact]
    public async Task Model_UploadedDatasetsTrain_AHostileZipIsRefused()
    {
        var text = await TextSamples.WriteDatasetAsync(Path.Combine(_directory, "text"), perLabel: 30, seed: 61);
        var (status, output, errors) = await PbmAsync("model", "train", "text", text);
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        Assert.Matches("^text: training on dataset [0-9a-f]{16} queued; ", output);

        // A folder goes as a zip of itself (the node unpacks it and finds the CSV one level down).
        var pictures = Path.Combine(_directory, "scale");
        await ShotScaleImages.WriteDatasetAsync(pictures, perLabel: 3, seed: 62);
        (status, output, errors) = await PbmAsync("model", "train", "shot-scale", pictures);
        Assert.True(status == 0, $"model train of a folder exited {status}: {errors}");
        Assert.Matches("^shot-scale: training on dataset [0-9a-f]{16} queued; ", output);

        // A zip whose entry climbs out of its folder: refused, and nothing is written outside the node's datasets.
        var zip = Path.Combine(_directory, "evil.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using var entry = archive.CreateEntry("../../escaped.csv").Open();
            await entry.WriteAsync("text,label\nhello,positive\n"u8.ToArray());
        }

        (status, _, errors) = await PbmAsync("model", "train", "text", zip);
        Assert.Equal(1, status);
        Assert.StartsWith("error: 'evil.zip' is not a dataset zip the node can unpack: ", errors);
        Assert.Empty(Directory.GetFiles(Data, "escaped.csv", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(Data, "escaped.csv")) || File.Exists(Path.Combine(_directory, "escaped.csv")));
        (status, _, errors) = await PbmAsync("model", "train", "text", Path.Combine(_directory, "notes.txt"));
        Assert.Equal((1, $"error: '{Path.Combine(_directory, "notes.txt")}' does not exist (a path on the node needs --server-path)\n"), (status, errors));

        // Once the two runs have ended (recorded), their unpacked uploads are removed.
        var uploads = Path.Combine(Data, "datasets", ".uploads");
        for (var deadline = DateTime.UtcNow.AddMinutes(5); ; await Task.Delay(500))
        {
            var trainer = await _node.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/trainer");
            var left = Directory.GetDirectories(uploads).SelectMany(Directory.GetDirectories).ToList();
            if (trainer.GetProperty("recent").GetArrayLength() >= 2 && trainer.GetProperty("queued").GetInt32() == 0 && left.Count == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"uploaded datasets still unpacked 5 minutes on: {string.Join(", ", left)} (trainer: {trainer})");
        }
    }

    private async Task<(int Status, string Output, string Errors)> PbmAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var status = await Pbm.RunAsync(["--data-dir", Data, .. args], output, errors, terminal: false, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3));
        return (status, output.ToString().ReplaceLineEndings("\n"), errors.ToString().ReplaceLineEndings("\n"));
    }
}
