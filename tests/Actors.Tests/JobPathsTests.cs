using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// A start carrying a forged <see cref="JobSpec"/> — as a peer holding the cluster's credentials could send it — is
/// refused by the node that would run it: nothing is recorded, no file is read, written, moved or deleted.
/// </summary>
public sealed class JobPathsTests() : SampleTest("mc-paths-", "two.wav", 2)
{
    private string Results => Path.Combine(Folder, "results");

    private string Media => Path.Combine(Folder, "media");

    [Fact]
    public async Task ForgedSpecs_AreRefused_WithEveryFileUntouched()
    {
        Directory.CreateDirectory(Media);
        var victim = Path.Combine(Folder, "hostname");
        await File.WriteAllTextAsync(victim, "precious\n");
        var elsewhere = Path.Combine(Folder, "x");
        var inRoot = Path.Combine(Media, "talk.wav");
        File.Copy(Sample.Path, inRoot);
        var shaped = Path.Combine(Folder, "home", "uploads", "own-shaped", "secret.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(shaped)!);
        await File.WriteAllTextAsync(shaped, "also precious\n");
        await using var node = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(Folder, "data"),
            AsrSlots = 1,
            JobPaths = new JobPaths(Results, [Media]),
        });

        var forged = new (JobSpec Spec, string Refusal)[]
        {
            (new JobSpec { JobId = "own-victim", InputPath = victim, OutputDir = Path.Combine(Results, "own-victim"), OwnsInput = true },
                $"refused: it would delete its input '{victim}', which is not an upload of this job (uploads/own-victim/)"),
            (new JobSpec { JobId = "out-x", InputPath = inRoot, OutputDir = elsewhere },
                $"refused: its output folder '{elsewhere}' is not the job's own folder under the results root ({Results})"),
            (new JobSpec { JobId = "climb", InputPath = inRoot, OutputDir = Path.Combine(Results, "..", "climb") },
                $"refused: its output folder '{Path.Combine(Results, "..", "climb")}' is not the job's own folder under the results root ({Results})"),
            (new JobSpec { JobId = "read-victim", InputPath = victim, OutputDir = Path.Combine(Results, "read-victim") },
                $"refused: its input '{victim}' is not inside an allowed root or the inbox of this node"),
            (new JobSpec { JobId = "own-shaped", InputPath = shaped, OutputDir = Path.Combine(Results, "own-shaped"), OwnsInput = true },
                $"refused: it would delete its input '{shaped}', which is not an upload of this job (uploads/own-shaped/)"),
            (new JobSpec { JobId = "nested", InputPath = inRoot, OutputDir = Path.Combine(Results, "a", "nested") },
                $"refused: its output folder '{Path.Combine(Results, "a", "nested")}' is not the job's own folder under the results root ({Results})"),
        };
        foreach (var (spec, refusal) in forged)
        {
            await node.Jobs.RegisterAsync(spec.JobId);
            var answer = await node.Jobs.StartRegisteredAsync(spec);
            Assert.Equal(JobState.Failed, answer.State);
            Assert.Equal(refusal, answer.Error);

            // Nothing was recorded: the job is still new, and a cancel has nothing to delete.
            Assert.Equal(JobState.New, (await node.Jobs.ProgressAsync(spec.JobId)).State);
            await node.Jobs.CancelAsync(spec.JobId, "test");
        }

        Assert.Equal("precious\n", await File.ReadAllTextAsync(victim));
        Assert.Equal("also precious\n", await File.ReadAllTextAsync(shaped));
        Assert.False(Directory.Exists(elsewhere), "a refused job wrote its output outside the results root");
        Assert.False(Directory.Exists(Results), "a refused job wrote results");

        // The same node runs a job whose paths are its own.
        var good = await node.Jobs.RunAsync(new JobSpec { JobId = "good", InputPath = inRoot, OutputDir = Path.Combine(Results, "good") });
        Assert.Equal(JobState.Completed, good.State);
        Assert.True(File.Exists(inRoot), "an input read by path was moved or deleted");
    }
}
