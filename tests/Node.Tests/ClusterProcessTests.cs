using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MediaCluster.Cli;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>
/// Three node processes on loopback form one cluster (TLS with mutual authentication, one cluster certificate) over one
/// PostgreSQL journal; a job submitted to one node runs
/// wherever its shard lives, and when that node is killed with SIGKILL the job resumes on a survivor, finishes, and
/// leaves exactly one result per segment.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterProcessTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-cluster-").FullName;
    private readonly List<NodeProcess> _nodes = [];
    private const string CertificatePassword = "cluster-test";
    private PostgresServer _postgres = null!;
    private string _certificate = null!;

    public async Task InitializeAsync()
    {
        using var certificate = TestCertificates.SelfSigned();
        _certificate = TestCertificates.WritePkcs12(certificate, Path.Combine(_directory, "cluster.pfx"), CertificatePassword);
        _postgres = await PostgresServer.StartAsync(durable: false);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node.Kill();
        }

        await _postgres.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ThreeNodes_TheNodeRunningAJobIsKilled_TheJobResumesOnASurvivor_WithOneResultPerSegment()
    {
        var (sample, reference) = await SampleWithReferenceAsync("long talk.wav", 90);

        var (journal, ports) = await StartThreeNodesAsync("cluster", [], [], []);

        // pbm's cluster palette, against another node (the host given as the first word, as Petabridge.Cmd takes it).
        var (status, shown) = await PbmAsync(_nodes[1], "cluster", "show");
        Assert.True(status == 0, shown);
        var rows = shown.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ADDRESS\tROLES\tSTATUS\tREACHABLE\tLEADER\tOLDEST\tSELF", rows[0]);
        Assert.Equal(ports.Select(p => $"akka.ssl.tcp://mediacluster@127.0.0.1:{p}\tapi,gpu,jobs\tup\tyes").Order(), rows[1..].Select(r => string.Join('\t', r.Split('\t')[..4])).Order());
        Assert.Equal(1, rows.Count(r => r.Split('\t')[4] == "*"));
        Assert.Equal($"akka.ssl.tcp://mediacluster@127.0.0.1:{ports[1]}", rows.Single(r => r.EndsWith("\t*", StringComparison.Ordinal)).Split('\t')[0]);

        var api = _nodes[0];
        var id = await api.SubmitAsync(sample.Path);

        NodeProcess? host = null;
        await UntilAsync(() => Task.FromResult((host = _nodes.SingleOrDefault(n => n.Output.Contains($"Job {id} started"))) is not null), "a node starts the job");
        var survivor = _nodes.First(n => n != host);
        await UntilAsync(async () => (await survivor.JobAsync(id))?.GetProperty("segments_transcribed").GetInt32() >= 3, "three segments are recorded");

        (status, shown) = await PbmAsync(survivor, "cluster", "sharding", "region-stats", "jobs");
        Assert.True(status == 0, shown);
        var regions = shown.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..].Select(r => r.Split('\t')).ToList();
        Assert.Equal(3, regions.Count);
        Assert.Equal(1, regions.Sum(r => int.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)));

        var atKill = (await survivor.JobAsync(id))!.Value;
        var transcribedAtKill = atKill.GetProperty("segments_transcribed").GetInt32();
        Assert.True(
            atKill.GetProperty("state").GetString() == "running"
            && (!atKill.GetProperty("speech_detection_complete").GetBoolean() || transcribedAtKill < atKill.GetProperty("segments_found").GetInt32()),
            $"every segment was recognised before the kill, so nothing is left to resume: {atKill}");
        host!.Kill();
        var killedAt = Stopwatch.StartNew();
        await UntilAsync(async () => (await survivor.JobAsync(id))?.GetProperty("segments_transcribed").GetInt32() > transcribedAtKill, "the job makes progress on a survivor after the kill");
        var failover = killedAt.Elapsed;
        await UntilAsync(async () => (await survivor.JobAsync(id))?.GetProperty("state").GetString() == "completed", "the job completes");

        var job = (await survivor.JobAsync(id))!.Value;
        var found = job.GetProperty("segments_found").GetInt32();
        await AssertOneResultPerSegmentAndReferenceOutputsAsync(journal, id, found, reference, Path.Combine(SharedResults, id));

        // Progress events follow the job from any node, the one holding it or not (subscription across nodes).
        foreach (var node in _nodes.Where(n => n != host))
        {
            using var events = new HttpClient { BaseAddress = node.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
            events.DefaultRequestHeaders.Authorization = node.Client.DefaultRequestHeaders.Authorization;
            var stream = await events.GetStringAsync($"api/jobs/{id}/events");
            Assert.Contains("\"state\":\"completed\"", stream.Split('\n').Last(l => l.StartsWith("data: ", StringComparison.Ordinal)));
        }

        Assert.True(failover < TimeSpan.FromSeconds(60), $"the job resumed {failover.TotalSeconds:0.0} s after the kill");
        Console.WriteLine($"failover_seconds: {failover.TotalSeconds:0.0} (host killed at {transcribedAtKill} of {found} segments)");
    }

    [Fact]
    public async Task OneJobsNodeAndTwoGpuNodes_OneFilesSegmentsAreRecognisedOnBoth_AndAGpuNodeKilledMidJobLosesNothing()
    {
        var (sample, reference) = await SampleWithReferenceAsync("talk.wav", 75);

        var (journal, _) = await StartThreeNodesAsync("spread", ["api", "jobs"], ["api", "gpu"], ["api", "gpu"]);
        var (jobs, gpu1, gpu2) = (_nodes[0], _nodes[1], _nodes[2]);

        // Submitted to a gpu node's API: the job itself can only live on the jobs node.
        var id = await gpu1.SubmitAsync(sample.Path);
        await UntilAsync(async () => await gpu1.RecognitionsAsync() > 0 && await gpu2.RecognitionsAsync() > 0, "both gpu nodes recognise segments of the one file");

        var atKill = (await jobs.JobAsync(id))!.Value;
        Assert.True(
            atKill.GetProperty("state").GetString() == "running"
            && (!atKill.GetProperty("speech_detection_complete").GetBoolean() || atKill.GetProperty("segments_transcribed").GetInt32() < atKill.GetProperty("segments_found").GetInt32()),
            $"the job ended before a gpu node could be killed under it: {atKill}");
        await UntilAsync(async () => await gpu2.MetricAsync("mediacluster_asr_busy_slots") == 1, "the second gpu node is recognising");
        gpu2.Kill();
        await UntilAsync(async () => (await jobs.JobAsync(id))?.GetProperty("state").GetString() == "completed", "the job completes on the one gpu node left");

        var job = (await jobs.JobAsync(id))!.Value;
        var found = job.GetProperty("segments_found").GetInt32();
        Assert.Equal(0, await jobs.RecognitionsAsync());
        await AssertOneResultPerSegmentAndReferenceOutputsAsync(journal, id, found, reference, Path.Combine(SharedResults, id));

        // Whether the kill caught a segment on the node (almost always: a slot is busy but for a few ms between
        // segments) — the queue then logs that it gave it to the other node; the exact case is SegmentQueueTests'.
        Console.WriteLine($"gpu node killed mid-segment: {jobs.Output.Contains("went away with", StringComparison.Ordinal)}; segments: {found}");
    }

    [Fact]
    public async Task TheNodeRunningAJobIsFrozenPastBeingDowned_ThenResumed_ItStopsItself_AndTheJobEndsOnASurvivorWithOneResultPerSegment()
    {
        var (sample, reference) = await SampleWithReferenceAsync("talk.wav", 75);

        var (journal, _) = await StartThreeNodesAsync("frozen", [], [], []);
        var api = _nodes[0];
        var id = await api.SubmitAsync(sample.Path);
        NodeProcess? host = null;
        await UntilAsync(() => Task.FromResult((host = _nodes.SingleOrDefault(n => n.Output.Contains($"Job {id} started"))) is not null), "a node starts the job");
        var survivor = _nodes.First(n => n != host);
        await UntilAsync(async () => (await survivor.JobAsync(id))?.GetProperty("segments_transcribed").GetInt32() >= 2, "two segments are recorded");

        host!.Signal("STOP");
        var others = _nodes.Where(n => n != host).ToList();
        await UntilAsync(async () => (await Task.WhenAll(others.Select(n => n.MembersUpAsync()))).All(up => up == 2), "the survivors down the frozen node");
        // While the job index and the job move off the downed node, the survivor may answer 503 or not within the
        // client's 5 s: read its count once it answers.
        int? atDown = null;
        await UntilAsync(async () => (atDown = (await survivor.JobAsync(id))?.GetProperty("segments_transcribed").GetInt32()) is not null, "a survivor answers for the job");
        await UntilAsync(async () => (await survivor.JobAsync(id))?.GetProperty("segments_transcribed").GetInt32() > atDown, "the job makes progress on a survivor");

        host.Signal("CONT");
        await UntilAsync(() => Task.FromResult(host.HasExited), "the resumed node, downed while frozen, stops itself");

        // What the woken node tried (for the record; both are timing-dependent): a late result persisted under a
        // sequence number the survivor had already written is refused by the journal's unique key, and the split-brain
        // resolver on the woken side (a minority of one) downs itself.
        Console.WriteLine(
            $"frozen node: journal write refused: {host.Output.Contains("duplicate key value violates unique", StringComparison.Ordinal)}, " +
            $"downed itself: {host.Output.Contains("including myself", StringComparison.Ordinal)}");
        await UntilAsync(async () => (await survivor.JobAsync(id))?.GetProperty("state").GetString() == "completed", "the job completes");

        var found = (await survivor.JobAsync(id))!.Value.GetProperty("segments_found").GetInt32();
        await AssertOneResultPerSegmentAndReferenceOutputsAsync(journal, id, found, reference, Path.Combine(SharedResults, id));
    }

    [Fact]
    public async Task ThreeNodes_TheJournalStopsFor30Seconds_NodesSayNotReady_SubmitsGet503_AndEveryJobCompletesAfterwards()
    {
        var (sample, reference) = await SampleWithReferenceAsync("outage talk.wav", 40);
        var (journal, _) = await StartThreeNodesAsync("outage", [], [], []);
        var api = _nodes[0];
        string[] ids = [await api.SubmitAsync(sample.Path), await api.SubmitAsync(sample.Path)];
        await UntilAsync(async () => (await Task.WhenAll(ids.Select(id => api.JobAsync(id)))).All(j => j?.GetProperty("segments_transcribed").GetInt32() >= 1), "both jobs record a segment");
        await UntilAsync(async () => (await Task.WhenAll(_nodes.Select(ReadyzAsync))).All(r => r.Status == 200), "every node is ready before the outage");

        var before = await Task.WhenAll(ids.Select(async id => (await api.JobAsync(id))!.Value.GetProperty("segments_transcribed").GetInt32()));
        await _postgres.StopAsync();
        var outage = Stopwatch.StartNew();
        await UntilAsync(async () => (await Task.WhenAll(_nodes.Select(ReadyzAsync))).All(r => r.Status == 503), "every node says it is not ready");
        var notReady = await ReadyzAsync(api);
        Assert.StartsWith("the journal is unavailable: ", notReady.Body);
        Console.WriteLine($"not ready {outage.Elapsed.TotalSeconds:0.0} s into the outage: {notReady.Body}");

        // A submit during the outage is refused at once, saying why and when to come back; nothing of it is kept.
        var submitted = Stopwatch.StartNew();
        using (var upload = new MultipartFormDataContent { { new StreamContent(File.OpenRead(sample.Path)), "file", "during.wav" } })
        using (var refused = await api.Client.PostAsync("api/jobs", upload))
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)refused.StatusCode} {body}");
            Assert.True(submitted.Elapsed < TimeSpan.FromSeconds(5), $"the refusal took {submitted.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal("5", refused.Headers.GetValues("Retry-After").Single());
            Assert.Contains("the journal is unavailable", body);
        }

        using (var listing = await api.Client.GetAsync("api/jobs"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, listing.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(30) - outage.Elapsed);
        await _postgres.StartAgainAsync();
        var back = Stopwatch.StartNew();
        await UntilAsync(async () => (await Task.WhenAll(_nodes.Select(ReadyzAsync))).All(r => r.Status == 200), "every node is ready again", TimeSpan.FromMinutes(1));
        var ready = back.Elapsed;

        // Seconds are reported, not asserted (alone: ready ~3 s, recording again ~6 s; beside the other test projects on
        // two cores, 5 s and 17 s): the bound only says the jobs went on by themselves, with nobody restarting anything.
        await UntilAsync(
            async () => (await Task.WhenAll(ids.Select(id => api.JobAsync(id)))).Select((j, i) => j?.GetProperty("state").GetString() == "completed" || j?.GetProperty("segments_transcribed").GetInt32() > before[i]).All(progressed => progressed),
            "every job records progress again by itself",
            TimeSpan.FromMinutes(1));
        var resumed = back.Elapsed;
        await UntilAsync(async () => (await Task.WhenAll(ids.Select(id => api.JobAsync(id)))).All(j => j?.GetProperty("state").GetString() == "completed"), "every job completes");
        Console.WriteLine(
            $"journal back: every node ready after {ready.TotalSeconds:0.0} s, every job recording again after {resumed.TotalSeconds:0.0} s, " +
            $"every job completed after {back.Elapsed.TotalSeconds:0.0} s");

        // Every route works again: a listing, and a new job that runs to its end.
        using (var listing = await api.Client.GetAsync("api/jobs"))
        {
            Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        }

        foreach (var id in ids)
        {
            var found = (await api.JobAsync(id))!.Value.GetProperty("segments_found").GetInt32();
            await AssertOneResultPerSegmentAndReferenceOutputsAsync(journal, id, found, reference, Path.Combine(SharedResults, id));
        }
    }

    [Fact]
    public async Task ThreeNodes_HostileInputs_AreRefusedNamingTheirCause_EveryNodeStaysUp_AndAGoodJobBesideThemCompletes()
    {
        var (sample, reference) = await SampleWithReferenceAsync("good talk.wav", 20);
        var hostile = Directory.CreateDirectory(Path.Combine(_directory, "hostile")).FullName;
        var poison = await HostileMedia.PoisonCommentMkvAsync(hostile);
        var sparse = Path.Combine(hostile, "sparse.csv");
        await using (var file = File.Create(sparse))
        {
            file.SetLength(2L << 30);
        }

        var labels = Path.Combine(hostile, "labels.csv");
        await File.WriteAllLinesAsync(labels, ["text,label", .. Enumerable.Range(0, 50_000).Select(i => $"words number {i},label{i}")]);
        var huge = Path.Combine(hostile, "huge-picture.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(huge, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using (var csv = new StreamWriter(zip.CreateEntry("labels.csv").Open()))
            {
                await csv.WriteAsync("path,label\nhuge.png,CS\n");
            }

            await using var png = zip.CreateEntry("huge.png").Open();
            await png.WriteAsync(HostileMedia.HugePng());
        }

        var many = Path.Combine(hostile, "many-entries.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(many, System.IO.Compression.ZipArchiveMode.Create))
        {
            for (var i = 0; i < 200_000; i++)
            {
                await using var entry = zip.CreateEntry($"f{i}.csv", System.IO.Compression.CompressionLevel.NoCompression).Open();
                entry.WriteByte((byte)'x');
            }
        }

        var (journal, _) = await StartThreeNodesAsync("hostile", [], [], [], "--Node:AllowedRoots:0", hostile);
        var api = _nodes[0];
        var good = await api.SubmitAsync(sample.Path);
        var bad = await api.SubmitAsync(poison);

        var (status, body) = await UploadDatasetAsync(api, "shot-scale", huge);
        Assert.True(status == 400 && body.Contains("'huge.png' is 32000×32000 pixels, over the limit of 40000000 pixels for a dataset picture (Node:Training:MaxPicturePixels)", StringComparison.Ordinal), $"{status} {body}");
        (status, body) = await UploadDatasetAsync(api, "shot-scale", many);
        Assert.True(status == 400 && body.Contains("it holds 200000 entries, over the limit of 100000 files for a dataset (Node:Training:MaxDatasetFiles)", StringComparison.Ordinal), $"{status} {body}");
        (status, body) = await UploadDatasetAsync(api, "text", labels);
        Assert.True(status == 400 && body.Contains("holds more than 1000 distinct labels, the limit for a dataset (Node:Training:MaxLabels)", StringComparison.Ordinal), $"{status} {body}");
        using (var request = await api.Operator.PostAsync("api/models/text/train", JsonContent.Create(new { paths = new[] { sparse } })))
        {
            body = await request.Content.ReadAsStringAsync();
            Assert.True(
                request.StatusCode == HttpStatusCode.BadRequest && body.Contains("sparse.csv is 2147483648 bytes, over the limit of 268435456 bytes for a dataset file (Node:Training:MaxDataFileBytes)", StringComparison.Ordinal),
                $"{(int)request.StatusCode} {body}");
        }

        // The poison file is valid media: read without its comments' help, it is a two-cut silent video.
        await UntilAsync(async () => (await api.JobAsync(good))?.GetProperty("state").GetString() == "completed", "the good job completes");
        await UntilAsync(async () => (await api.JobAsync(bad))?.GetProperty("state").GetString() is "completed" or "failed", "the poison MKV's job ends", TimeSpan.FromMinutes(6));
        var poisoned = (await api.JobAsync(bad))!.Value;
        Console.WriteLine($"poison MKV: {poisoned}");
        Assert.Equal("completed", poisoned.GetProperty("state").GetString());

        Assert.All(_nodes, node => Assert.False(node.HasExited, $"a node exited:\n{node.Output}"));
        var membersUp = await Task.WhenAll(_nodes.Select(n => n.MembersUpAsync()));
        Assert.Equal(new[] { 3, 3, 3 }, membersUp);
        Assert.All(_nodes, node => Assert.DoesNotContain("Unhandled exception", node.Output, StringComparison.Ordinal));
        var found = (await api.JobAsync(good))!.Value.GetProperty("segments_found").GetInt32();
        await AssertOneResultPerSegmentAndReferenceOutputsAsync(journal, good, found, reference, Path.Combine(SharedResults, good));
    }

    [Fact]
    public async Task ThreeNodes_WatchingOneInbox_MakeOneJobPerFile()
    {
        var inbox = Directory.CreateDirectory(Path.Combine(_directory, "shared inbox")).FullName;
        await StartThreeNodesAsync("inbox", [], [], [], "--Node:Inbox", inbox);
        var clips = SpeechSampleMaker.LibriVoxClips();
        for (var i = 0; i < 2; i++)
        {
            var staged = Path.Combine(inbox, $".clip{i}.wav");
            File.Copy(clips[i].Path, staged);
            File.Move(staged, Path.Combine(inbox, $"clip{i}.wav"));
        }

        async Task<JsonElement[]> JobsAsync() => (await _nodes[0].Client.GetFromJsonAsync<JsonElement[]>("api/jobs"))!;
        await UntilAsync(async () => (await JobsAsync()) is { Length: 2 } jobs && jobs.All(j => j.GetProperty("state").GetString() == "completed"), "both files' jobs complete");

        // Every node watched the folder, but one watcher (a singleton among them) made the jobs: two, not six.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var listed = await JobsAsync();
        Assert.Equal(2, listed.Length);
        Assert.All(listed, j => Assert.StartsWith("inbox-", j.GetProperty("id").GetString(), StringComparison.Ordinal));
        Assert.Equal(2, _nodes.Sum(n => n.Output.Split('\n').Count(l => l.Contains("submitted: 'clip", StringComparison.Ordinal))));
    }

    private static async Task<(int Status, string Body)> UploadDatasetAsync(NodeProcess node, string task, string file)
    {
        using var upload = new MultipartFormDataContent { { new StreamContent(File.OpenRead(file)), "file", Path.GetFileName(file) } };
        using var client = new HttpClient { BaseAddress = node.Client.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = node.Client.DefaultRequestHeaders.Authorization;
        using var response = await client.PostAsync($"api/models/{task}/train", upload);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(int Status, string Body)> ReadyzAsync(NodeProcess node)
    {
        using var response = await node.Client.GetAsync("readyz");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A speech recording of at least <paramref name="seconds"/> s and its fault-free outputs (processed in this process).</summary>
    private async Task<(SpeechSample Sample, string Reference)> SampleWithReferenceAsync(string name, int seconds)
    {
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, name), TimeSpan.FromSeconds(seconds));
        var reference = Path.Combine(_directory, "reference");
        await FileProcessor.ProcessAsync(sample.Path, reference, TextWriter.Null, CancellationToken.None);
        return (sample, reference);
    }

    [Fact]
    public async Task Live_TheGpuNodeRecognisingASessionIsKilled_TheSessionMovesOnAndLosesNoFinal()
    {
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(_directory, "live.wav"), TimeSpan.Zero, minGap: 1.2, maxGap: 1.2, clipCount: 6);
        var pcm = (await File.ReadAllBytesAsync(sample.Path))[44..];
        await StartThreeNodesAsync("live", ["api", "jobs"], ["api", "gpu"], ["api", "gpu"]);
        var api = _nodes[0];

        // The session is held by the api node (no gpu role); its stream runs on one of the gpu nodes.
        await using var live = await LiveClient.ConnectAsync(api.Client.BaseAddress!, api.PbmTarget.Token);
        var messages = new List<LiveMessage>();
        var reading = Task.Run(async () =>
        {
            while (await live.ReadAsync() is { } message)
            {
                lock (messages)
                {
                    messages.Add(message);
                }
            }
        });
        int Finals()
        {
            lock (messages)
            {
                return messages.Count(m => m.IsFinal);
            }
        }

        // At twice real time, in 0.1-s frames.
        var sending = Task.Run(async () =>
        {
            for (var offset = 0; offset < pcm.Length; offset += 3200)
            {
                await live.SendAudioAsync(pcm.AsMemory(offset, Math.Min(3200, pcm.Length - offset)));
                await Task.Delay(50);
            }

            await live.SendEofAsync();
        });
        NodeProcess? worker = null;
        await UntilAsync(async () =>
        {
            foreach (var node in _nodes.Skip(1))
            {
                if (await node.MetricAsync("mediacluster_live_streams") == 1)
                {
                    worker = node;
                }
            }

            return worker is not null && Finals() >= 1;
        }, "a gpu node runs the session's stream and the first final arrives");
        var finalsAtKill = Finals();
        worker!.Kill();
        await sending.WaitAsync(TimeSpan.FromMinutes(3));
        await reading.WaitAsync(TimeSpan.FromMinutes(3));

        var all = messages.Select(m => m.Raw);
        Assert.True(live.CloseStatus == System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, $"closed {live.CloseStatus} {live.CloseReason}: {string.Join("\n", all)}");
        Assert.DoesNotContain(messages, m => m.Error is not null);
        var finals = messages.Where(m => m.IsFinal && m.Result is { Count: > 0 }).ToList();
        Assert.True(finals.Count > finalsAtKill, $"no final after the kill: {string.Join("\n", all)}");
        Assert.Contains("lost its stream on", api.Output);

        // None lost: every clip has a final word inside it; none repeated: finals follow each other in time.
        var words = finals.SelectMany(f => f.Result!).ToList();
        Assert.All(sample.ClipBounds, clip => Assert.True(
            words.Any(w => w.Start >= clip.Start.TotalSeconds - 0.2 && w.End <= clip.End.TotalSeconds + 0.2),
            $"no final word inside the clip at {clip.Start}–{clip.End}: {string.Join("\n", all)}"));
        Assert.All(finals.Zip(finals.Skip(1)), pair => Assert.True(pair.Item1.Result![^1].End <= pair.Item2.Result![0].Start + 0.01, $"finals overlap: {pair.Item1.Raw} / {pair.Item2.Raw}"));
        Assert.True(Media.Asr.WordErrorRate.Percent(sample.ReferenceText, string.Join(' ', finals.Select(f => f.Text))) <= 45, string.Join("\n", all));
    }

    /// <summary>
    /// Three node processes (roles per node; none: every role) over a new journal database, the first two the seeds;
    /// returns once every node sees three Up members.
    /// </summary>
    private async Task<(string Journal, int[] Ports)> StartThreeNodesAsync(string name, string[] roles0, string[] roles1, string[] roles2, params string[] flags)
    {
        var journal = await _postgres.CreateDatabaseAsync(name);
        var ports = NodeProcess.FreePorts(3);
        string[] seeds = [$"127.0.0.1:{ports[0]}", $"127.0.0.1:{ports[1]}"];
        foreach (var (roles, i) in new[] { roles0, roles1, roles2 }.Select((roles, i) => (roles, i)))
        {
            _nodes.Add(await ClusterNode.StartAsync(Path.Combine(_directory, $"node-{i}"), ports[i], seeds, journal, _certificate, roles, ["--Node:OutputRoot", SharedResults, .. flags]));
        }

        await UntilAsync(async () => (await Task.WhenAll(_nodes.Select(n => n.MembersUpAsync()))).All(up => up == 3), "all three nodes see three Up members");
        return (journal, ports);
    }

    /// <summary>The journal holds exactly one result per segment, and transcript, SRT and RTTM equal the fault-free run's.</summary>
    private static async Task AssertOneResultPerSegmentAndReferenceOutputsAsync(string journal, string id, int found, string reference, string output)
    {
        var results = (await JournalReader.ReadPostgresAsync(journal, "job-" + id)).Select(r => r.Decode()).OfType<SegmentTranscribed>().ToList();
        Assert.Equal(found, results.Count);
        Assert.Equal(Enumerable.Range(0, found), results.Select(r => r.Index).Order());
        foreach (var name in new[] { "transcript.txt", "transcript.srt", "vad.rttm" })
        {
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(reference, name)), await File.ReadAllTextAsync(Path.Combine(output, name)));
        }
    }

    /// <summary>Polls <paramref name="condition"/> (errors while the cluster heals count as "not yet"), failing after three minutes (or <paramref name="bound"/>).</summary>
    private async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {(bound ?? TimeSpan.FromMinutes(3)).TotalMinutes:0} minutes\n{string.Join("\n", _nodes.Select(n => $"--- {n.DataDirectory}\n{n.Output}"))}");
            await Task.Delay(200);
        }
    }

    /// <summary>A node process of this test's cluster: the seeds, the journal, the cluster certificate, one ASR slot.</summary>
    /// <summary>The results root every node shares (as the nodes of a real cluster must: each checks a job's output lies in its own).</summary>
    private string SharedResults => Path.Combine(_directory, "results");

    private static class ClusterNode
    {
        public static Task<NodeProcess> StartAsync(string dataDirectory, int clusterPort, string[] seeds, string journal, string certificate, string[] roles, string[] flags) =>
            NodeProcess.StartAsync(
                Path.Combine(AppContext.BaseDirectory, "MediaCluster.Node.dll"),
                dataDirectory,
                [
                    "--Node:AsrSlots", "1", "--Node:Cluster:Port", clusterPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--Node:Cluster:Seeds:0", seeds[0], "--Node:Cluster:Seeds:1", seeds[1], "--Node:Journal:ConnectionString", journal,
                    "--Node:Cluster:Certificate", certificate,
                    .. roles.SelectMany((role, i) => new[] { $"--Node:Roles:{i}", role }),
                    .. flags,
                ],
                new Dictionary<string, string> { ["MC_Node__Cluster__CertificatePassword"] = CertificatePassword });
    }

    /// <summary>Runs pbm in-process against <paramref name="node"/>'s management endpoint, giving the host as the first word.</summary>
    private static async Task<(int Status, string Output)> PbmAsync(NodeProcess node, params string[] args)
    {
        var output = new StringWriter();
        var status = await Cli.Pbm.RunAsync([node.PbmTarget.Management, "--token", node.PbmTarget.Token, .. args], output, output, terminal: false, CancellationToken.None);
        return (status, output.ToString().ReplaceLineEndings("\n"));
    }
}

/// <summary>
/// The real-process cluster tests run alone within this assembly (not beside the page, pbm and API tests): failure
/// detection and downing are timing, and on two loaded cores a woken node that sees one peer late can down the other
/// instead of itself (seen once in a full run: the frozen-node test's node never stopped).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessCollection
{
    public const string Name = "cluster processes";
}
