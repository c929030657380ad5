using MediaCluster.Actors.Hosting;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Video;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// A video job reads its video once and keeps the scenes' frames beside its results until it ends; a job resumed on
/// another node with its scenes recorded and their frames gone reads exactly those scenes' frames again.
/// </summary>
public sealed class SceneFramesTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-scene-frames-").FullName;
    private string _video = null!;

    public async Task InitializeAsync()
    {
        _video = Path.Combine(_directory, "four.mp4");
        await ShotClips.WriteScenesAsync(_video, [.. new[] { ShotMovement.Static, ShotMovement.Motion, ShotMovement.Push, ShotMovement.Static }.Select(m => (m, TimeSpan.FromSeconds(3)))], seed: 5);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ScenesRecorded_FramesGone_TheResumedJobReadsThemAgain_AndRemovesThemAtItsEnd()
    {
        var options = new MediaNodeOptions { DataDirectory = Path.Combine(_directory, "data") };
        var spec = new JobSpec { JobId = "video", InputPath = _video, OutputDir = Path.Combine(_directory, "out") };
        var store = SceneFrameStore.Of(spec.OutputDir);

        // 1. The scenes are recorded once the pass has kept every scene's frames; the first node — api and jobs only,
        //    so no classifier labels them — then stops.
        var found = new TaskCompletionSource<JobProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (var node = await EmbeddedNode.StartAsync(options with { Roles = ["api", "jobs"] }))
        {
            _ = node.Jobs.RunAsync(spec, new Progress(p =>
            {
                if (p.ScenesFound > 0)
                {
                    found.TrySetResult(p);
                }
            }));
            var recorded = await found.Task.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.Equal((JobState.Running, 4, 0), (recorded.State, recorded.ScenesFound, recorded.ScenesClassified));
            Assert.Equal(Enumerable.Range(0, 4).Select(store.PathOf), Directory.GetFiles(store.Directory).Order(StringComparer.Ordinal));
        }

        // 2. The frames are lost (the job had not ended: it would have removed them itself); the next node, with every
        //    role, resumes the job (remember-entities), reads them again and ends it.
        var journaled = await Testing.JournalReader.ReadSqliteAsync(options.DataDirectory, "job-" + spec.JobId);
        Assert.DoesNotContain(journaled, r => r.Manifest == "mediacluster.jobs.JobCompleted");
        store.Delete();
        await using (var node = await EmbeddedNode.StartAsync(options))
        {
            var end = await node.Jobs.WatchAsync(spec.JobId).WaitAsync(TimeSpan.FromMinutes(4));
            Assert.True(end.State == JobState.Completed, $"the resumed job ended {end.State}: {end.Error}");
            Assert.Equal((4, 4), (end.ScenesFound, end.ScenesClassified));
        }

        // Its results are the video's artifacts (the contact sheet made from the frames read again) and the report's
        // inputs (its thumbnails among them, for a rename to write it again), nothing else: the frames are gone.
        Assert.Equal(
            JobOutput.Of(video: true).Select(a => a.Name).Append(ReportInputs.FolderName).Order(StringComparer.Ordinal),
            Directory.GetFileSystemEntries(spec.OutputDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(4, Directory.GetFiles(Path.Combine(spec.OutputDir, ReportInputs.FolderName), "scene-*.jpg").Select(f => Path.GetFileName(f)[..11]).Distinct().Count());
        Assert.Equal([0xFF, 0xD8], (await File.ReadAllBytesAsync(Path.Combine(spec.OutputDir, JobOutput.ContactSheet.Name)))[..2]);
    }

    private sealed class Progress(Action<JobProgress> report) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => report(value);
    }
}
