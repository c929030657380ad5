using MediaCluster.Media.Samples;

namespace MediaCluster.Actors.Tests;

/// <summary>A test class with a temporary folder of its own and, in it, a recording of <c>clips</c> LibriVox clips back to back.</summary>
public abstract class SampleTest(string folderPrefix, string fileName, int clips) : IAsyncLifetime
{
    /// <summary>The test's folder, removed when the test ends.</summary>
    protected string Folder { get; } = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    /// <summary>The recording, made before each test.</summary>
    protected SpeechSample Sample { get; private set; } = null!;

    public virtual async Task InitializeAsync() =>
        Sample = await SpeechSampleMaker.WriteAsync(Path.Combine(Folder, fileName), TimeSpan.Zero, clipCount: clips);

    public virtual Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}
