using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Samples;
using MediaCluster.Messages.Jobs;
using MediaCluster.Messages.Serialization;
using MediaCluster.Testing;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// The persistence tests, run against each journal back-end (Akka.Persistence.Sql on SQLite and on PostgreSQL): what a
/// running node writes is the project's protobuf with its manifest, and an interrupted job resumes from it.
/// </summary>
public abstract class JournalContract() : SampleTest("mc-journal-", "ten clips.wav", 10)
{
    /// <summary>Options of a node whose journal is the back-end's store called <paramref name="name"/> (the same name: the same journal).</summary>
    protected abstract Task<MediaNodeOptions> NodeOptionsAsync(string name);

    /// <summary>Makes <paramref name="rows"/> the whole journal called <paramref name="name"/> (its tables made by a node before, what that node wrote removed).</summary>
    protected abstract Task ReplaceJournalAsync(string name, IEnumerable<JournalRow> rows);

    /// <summary>The rows of <paramref name="persistenceId"/> in the journal called <paramref name="name"/>.</summary>
    protected abstract Task<IReadOnlyList<JournalRow>> ReadJournalAsync(string name, string persistenceId);

    [Fact]
    public async Task Journal_RowsWrittenByTheNode_AreProtobufWithTheirManifest_NeverAClrTypeName()
    {
        var clip = SpeechSampleMaker.LibriVoxClips()[1].Path;
        var spec = new JobSpec { JobId = "rows", InputPath = clip, OutputDir = Path.Combine(Folder, "out-rows"), Title = "clip.wav" };
        await using (var node = await EmbeddedNode.StartAsync(await NodeOptionsAsync("rows")))
        {
            Assert.Equal(JobState.Completed, (await node.Jobs.RunAsync(spec)).State);
        }

        var rows = await ReadJournalAsync("rows", "job-rows");
        var manifests = rows.Select(r => r.Manifest).ToList();

        // The segment's result and the end of detection race; everything else is in this order (the text's labels:
        // the segments' batch with their embeddings, then the summary's; then the speakers found, all recorded before the
        // results are written).
        string[] expected =
        [
            "JobAccepted", "MediaProbed", "SpeechSegmentFound", "SegmentTranscribed", "SpeechDetectionCompleted", "TextClassified", "TextClassified", "SpeakersFound",
            "SummaryWritten", "ArtifactsWritten", "JobCompleted",
        ];
        Assert.Equal(expected.Select(name => "mediacluster.jobs." + name).Order(StringComparer.Ordinal), manifests.Order(StringComparer.Ordinal));
        Assert.Equal(["mediacluster.jobs.JobAccepted", "mediacluster.jobs.MediaProbed", "mediacluster.jobs.SpeechSegmentFound"], manifests[..3]);
        Assert.Equal(
            ["mediacluster.jobs.TextClassified", "mediacluster.jobs.TextClassified", "mediacluster.jobs.SpeakersFound", "mediacluster.jobs.SummaryWritten", "mediacluster.jobs.ArtifactsWritten", "mediacluster.jobs.JobCompleted"],
            manifests[^6..]);
        var segments = Assert.IsType<TextClassified>(rows[^6].Decode());
        var summary = Assert.IsType<TextClassified>(rows[^5].Decode());
        var transcribed = rows.Select(r => r.Decode()).OfType<SegmentTranscribed>().Single();
        Assert.Equal((Media.Diarization.SpeakerFeatures.Dimensions, transcribed.SpeakerWindows.FirstFrames.Count * Media.Diarization.SpeakerFeatures.Dimensions),
            (transcribed.SpeakerWindows.Dimensions, transcribed.SpeakerWindows.Statistics.Count)); // the segment's voice, measured where it was recognised
        Assert.True(transcribed.SpeakerWindows.FirstFrames.Count >= 2, $"{transcribed.SpeakerWindows.FirstFrames.Count} speaker windows in a clip of several seconds");
        Assert.Equal("spk1", Assert.IsType<SpeakersFound>(rows[^4].Decode()).Turns.Select(t => t.Speaker).Distinct().Single());
        Assert.Equal((0, 1, 1), (segments.Batch, segments.Labels.Count, segments.Embeddings.Count)); // the one spoken segment's label and embedding
        Assert.Equal(384, segments.Embeddings[0].Length);
        Assert.Equal((1, 1), (summary.Batch, summary.Labels.Count)); // then the summary's
        Assert.All(rows, r => Assert.Equal(ProtobufSerializer.Id, r.SerializerId));
        Assert.All(rows, r => Assert.DoesNotContain("MediaCluster", System.Text.Encoding.UTF8.GetString(r.Payload), StringComparison.Ordinal));
        var accepted = Assert.IsType<JobAccepted>(rows[0].Decode());
        Assert.Equal(spec, accepted.Spec);
        Assert.Equal(Enumerable.Range(1, rows.Count).Select(i => (long)i), rows.Select(r => r.SequenceNr));
    }

    [Fact]
    public async Task Job_InterruptedThenNodeRestarted_ResumesByItself_RecognisesOnlyWhatWasNotRecorded_AndMatchesAnUninterruptedRun()
    {
        // Uninterrupted run.
        await using (var node = await EmbeddedNode.StartAsync(await NodeOptionsAsync("whole")))
        {
            var end = await node.Jobs.RunAsync(Spec("whole"));
            Assert.Equal(JobState.Completed, end.State);
            Assert.Equal(end.SegmentsFound, node.Metrics.Recognitions);
        }

        // Interrupted after at least three recorded results, then resumed on a new node over the same journal.
        var options = await NodeOptionsAsync("resumed");
        var firstRecognized = 0L;
        await using (var node = await EmbeddedNode.StartAsync(options))
        {
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = node.Jobs.RunAsync(Spec("resumed"), new InlineProgress(p =>
            {
                if (p.SegmentsTranscribed >= 3)
                {
                    enough.TrySetResult();
                }
            }));
            await enough.Task.WaitAsync(TimeSpan.FromMinutes(2));
            firstRecognized = node.Metrics.Recognitions;
            GC.KeepAlive(run);
        }

        var recorded = (await ReadJournalAsync("resumed", "job-resumed")).Count(r => r.Decode() is SegmentTranscribed);
        Assert.InRange(recorded, 3, 9);
        Assert.True(firstRecognized >= recorded, $"{recorded} results recorded but only {firstRecognized} recognised");

        // Remember-entities: the new node resumes the unfinished job by itself; nobody starts it again.
        await using (var node = await EmbeddedNode.StartAsync(options))
        {
            var end = await node.Jobs.WatchAsync("resumed").WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(JobState.Completed, end.State);
            Assert.Equal(end.SegmentsFound - recorded, node.Metrics.Recognitions);
        }

        // The same transcript and the same speakers (found once, at the end, from the voices recorded with each result).
        foreach (var name in new[] { "transcript.txt", "transcript.json", "diarization.rttm" })
        {
            Assert.Equal(
                await File.ReadAllTextAsync(Path.Combine(Folder, "out-whole", name)),
                await File.ReadAllTextAsync(Path.Combine(Folder, "out-resumed", name)));
        }

        Assert.NotEmpty(await File.ReadAllTextAsync(Path.Combine(Folder, "out-resumed", "diarization.rttm")));
        Assert.Equal(Media.Reports.JobOutput.Of(video: false).Select(a => a.Name).Order(), Directory.GetFiles(Path.Combine(Folder, "out-resumed")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Journal_WrittenByAnEarlierRelease_IsReadByThisOne_EveryJobWithItsEnd()
    {
        // What a node of release a44884a wrote (exported from its journal.db): our rows decode, and encode back to the same bytes.
        var rows = JournalReader.ReadExport(Path.Combine(AppContext.BaseDirectory, "Journals", "release-a44884a.tsv"));
        Assert.Equal(64, rows.Count);
        Assert.All(rows.Where(r => r.SerializerId == ProtobufSerializer.Id), r => Assert.Equal(r.Payload, Google.Protobuf.MessageExtensions.ToByteArray(r.Decode())));

        var options = await NodeOptionsAsync("earlier");
        await using (var first = await EmbeddedNode.StartAsync(options))
        {
            // A node makes the journal's tables as its persistent actors first use them (and may write its sharding
            // coordinator's first rows, which the export replaces): the job index, answering, has used the journal and
            // the snapshot store.
            Assert.Empty((await first.Jobs.ListAsync()).Jobs);
        }

        await ReplaceJournalAsync("earlier", rows);
        await using var node = await EmbeddedNode.StartAsync(options);
        var listed = (await node.Jobs.ListAsync()).Jobs.Select(p => $"{p.JobId} {p.State} {p.SegmentsTranscribed}/{p.SegmentsFound} {p.Title}");
        Assert.Equal(
            ["7fa8aa481442 Failed 0/0 broken.mp4", "b5901f988d47 Completed 1/1 live session 2026-12-06 14:07 UTC", "2e4045d8aaff Completed 1/1 a.wav", "cc02a1df60df Completed 1/1 v.mp4"],
            listed);

        // The jobs themselves, recovered from their events (not the index's copy).
        var video = await node.Jobs.ProgressAsync("cc02a1df60df");
        Assert.Equal((JobState.Completed, 10.0, 1, 1, 2, 2), (video.State, video.DurationSeconds, video.SegmentsFound, video.SegmentsTranscribed, video.ScenesFound, video.ScenesClassified));
        var broken = await node.Jobs.ProgressAsync("7fa8aa481442");
        Assert.Equal(JobState.Failed, broken.State);
        Assert.StartsWith("ffprobe could not read 'broken.mp4' as media", broken.Error, StringComparison.Ordinal);
    }

    private JobSpec Spec(string id) => new() { JobId = id, InputPath = Sample.Path, OutputDir = Path.Combine(Folder, "out-" + id) };
}

/// <summary>The journal contract on the embedded default: SQLite in the node's data directory.</summary>
public sealed class SqliteJournalTests : JournalContract
{
    protected override Task<MediaNodeOptions> NodeOptionsAsync(string name) =>
        Task.FromResult(new MediaNodeOptions { DataDirectory = Path.Combine(Folder, "data-" + name), AsrSlots = 2 });

    protected override Task ReplaceJournalAsync(string name, IEnumerable<JournalRow> rows) =>
        JournalReader.ReplaceSqliteAsync(Path.Combine(Folder, "data-" + name), rows);

    protected override Task<IReadOnlyList<JournalRow>> ReadJournalAsync(string name, string persistenceId) =>
        JournalReader.ReadSqliteAsync(Path.Combine(Folder, "data-" + name), persistenceId);
}

/// <summary>The journal contract on PostgreSQL (a private server; one database per journal name).</summary>
public sealed class PostgresJournalTests : JournalContract
{
    private readonly Dictionary<string, string> _databases = [];
    private PostgresServer _server = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _server = await PostgresServer.StartAsync(durable: false);
    }

    public override async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override async Task<MediaNodeOptions> NodeOptionsAsync(string name)
    {
        if (!_databases.TryGetValue(name, out var connection))
        {
            _databases[name] = connection = await _server.CreateDatabaseAsync(name);
        }

        return new MediaNodeOptions { DataDirectory = Path.Combine(Folder, "data-" + name), JournalConnectionString = connection, AsrSlots = 2 };
    }

    protected override Task ReplaceJournalAsync(string name, IEnumerable<JournalRow> rows) =>
        JournalReader.ReplacePostgresAsync(_databases[name], rows);

    protected override Task<IReadOnlyList<JournalRow>> ReadJournalAsync(string name, string persistenceId) =>
        JournalReader.ReadPostgresAsync(_databases[name], persistenceId);
}
