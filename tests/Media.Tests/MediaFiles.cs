using MediaCluster.Media.Samples;

namespace MediaCluster.Media.Tests;

/// <summary>Generates every test input once per run, with ffmpeg and the LibriVox clips, in a temp folder.</summary>
public sealed class MediaFiles : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mc-media-").FullName;

    public string Missing => Path.Combine(Directory, "no-such-file.wav");

    public string Empty => Path.Combine(Directory, "empty.wav");

    public string TextAsMp4 => Path.Combine(Directory, "notes.mp4");

    public string Video => Path.Combine(Directory, "talk.mp4");

    public string TruncatedVideo => Path.Combine(Directory, "truncated.mp4");

    public string SilentVideo => Path.Combine(Directory, "no-audio.mp4");

    public string Silence => Path.Combine(Directory, "silence-30s.flac");

    public string EightKhz => Path.Combine(Directory, "clip-8khz.wav");

    public string SixChannels => Path.Combine(Directory, "clip-6ch-48k.wav");

    public string OddName => Path.Combine(Directory, "my talk – Grüße façade.wav");

    public string Scenes => Path.Combine(Directory, "two-scenes.mp4");

    public SpeechSample FiveClips { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllBytesAsync(Empty, []);
        await File.WriteAllTextAsync(TextAsMp4, "These are meeting notes, not a video.\n");
        FiveClips = await SpeechSampleMaker.WriteAsync(Path.Combine(Directory, "five-clips.wav"), TimeSpan.Zero, minGap: 1.0, maxGap: 1.0, lead: 1.0, clipCount: 5);
        var clip = SpeechSampleMaker.LibriVoxClips()[1].Path;
        await FfmpegAsync("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-i", FiveClips.Path, "-shortest",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", Video);
        var bytes = await File.ReadAllBytesAsync(Video);
        await File.WriteAllBytesAsync(TruncatedVideo, bytes[..(bytes.Length / 2)]);
        await FfmpegAsync("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", SilentVideo);
        await FfmpegAsync("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "30", Silence);
        await FfmpegAsync("-i", clip, "-ar", "8000", "-ac", "1", EightKhz);
        await FfmpegAsync("-i", clip, "-ar", "48000", "-ac", "6", SixChannels);
        File.Copy(clip, OddName);
        await FfmpegAsync(
            "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2", "-f", "lavfi", "-i", "mandelbrot=size=320x240:rate=25:end_pts=2",
            "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", Scenes);
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }

    public static Task FfmpegAsync(params string[] arguments) => Ffmpeg.FfmpegRunner.RunAsync(arguments);
}

[CollectionDefinition(Name)]
public sealed class MediaCollection : ICollectionFixture<MediaFiles>, ICollectionFixture<Engines>
{
    public const string Name = "media";
}

/// <summary>One VAD model and one recognizer pool for all tests (decoders are slow to create).</summary>
public sealed class Engines : IDisposable
{
    public Vad.SileroVad Vad { get; } = new();

    public Asr.PocketSphinxRecognizer Asr { get; } = new();

    public void Dispose()
    {
        Vad.Dispose();
        Asr.Dispose();
    }
}
