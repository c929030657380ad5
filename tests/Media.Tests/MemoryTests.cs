using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Vad;

namespace MediaCluster.Media.Tests;

/// <summary>
/// Managed memory measured while streaming: alone (its own collection runs after the others, none beside it), since
/// <see cref="GC.GetTotalMemory"/> counts every test's allocations in the process — beside the video tests it once
/// read 14 MB.
/// </summary>
[Collection(MemoryCollection.Name)]
public sealed class MemoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mc-memory-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task DecodeAndVad_TwentyMinutes_KeepMemoryFlat()
    {
        using var vad = new SileroVad();
        var longFile = Path.Combine(_folder, "long-20min.opus");
        await MediaFiles.FfmpegAsync("-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=1200", "-af", "volume=0.3,tremolo=f=0.5:d=0.9", "-c:a", "libopus", "-b:a", "16k", longFile);
        var detector = new VoiceActivityDetector(vad);
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peak = 0L;
        var chunks = 0;
        var samples = 0L;
        await foreach (var chunk in AudioDecoder.DecodeAsync(longFile))
        {
            samples += chunk.Samples.Length;
            if (++chunks % 200 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        Assert.Equal(1200, samples / 16000.0, 0);
        var segments = 0;
        await foreach (var segment in detector.DetectAsync(AudioDecoder.DecodeAsync(longFile)))
        {
            segments++;
            if (segments % 10 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        // 20 minutes of PCM is 38 MB; streaming keeps well under a tenth of that (one max-length segment is ~1 MB).
        Assert.True(peak < 8 * 1024 * 1024, $"managed memory grew by {peak / 1024 / 1024.0:0.0} MB while streaming 20 minutes");
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryCollection
{
    public const string Name = "memory, alone";
}
