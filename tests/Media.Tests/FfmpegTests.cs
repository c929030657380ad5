using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Video;
using MediaCluster.Testing;

namespace MediaCluster.Media.Tests;

[Collection(MediaCollection.Name)]
public sealed class FfmpegTests(MediaFiles files)
{
    [Fact]
    public async Task Probe_Video_DescribesContainerAndStreams()
    {
        var info = await MediaProbe.ProbeAsync(files.Video);
        Assert.Contains("mp4", info.Container);
        Assert.Equal("h264", info.Video!.Codec);
        Assert.Equal(320, info.Video.Width);
        Assert.Equal(240, info.Video.Height);
        Assert.Equal(25, info.Video.FrameRate!.Value, 3);
        Assert.Equal("aac", info.Audio!.Codec);
        Assert.Equal(1, info.Audio.Channels);
        Assert.InRange(info.Duration!.Value.TotalSeconds, files.FiveClips.Duration.TotalSeconds - 0.2, files.FiveClips.Duration.TotalSeconds + 0.2);
    }

    [Fact]
    public async Task Probe_MissingFile_SaysItDoesNotExist()
    {
        var error = await Assert.ThrowsAsync<MediaException>(() => MediaProbe.ProbeAsync(files.Missing));
        Assert.Equal(MediaErrorKind.NotFound, error.Kind);
        Assert.Equal($"'{files.Missing}' does not exist.", error.Message);
    }

    [Fact]
    public async Task Probe_EmptyFile_SaysItIsEmpty()
    {
        var error = await Assert.ThrowsAsync<MediaException>(() => MediaProbe.ProbeAsync(files.Empty));
        Assert.Equal(MediaErrorKind.InvalidInput, error.Kind);
        Assert.Equal($"'{files.Empty}' is empty (0 bytes): it holds no media.", error.Message);
    }

    [Fact]
    public async Task Probe_TextNamedMp4_QuotesFfprobe()
    {
        var error = await Assert.ThrowsAsync<MediaException>(() => MediaProbe.ProbeAsync(files.TextAsMp4));
        Assert.Equal(MediaErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith($"ffprobe could not read '{files.TextAsMp4}' as media: ", error.Message);
        Assert.Contains("Invalid data found when processing input", error.Message);
    }

    [Fact]
    public async Task Decode_TruncatedVideo_FailsNamingTheCause()
    {
        var error = await Assert.ThrowsAsync<MediaException>(() => AudioDecoder.DecodeAsync(files.TruncatedVideo).ToListAsync().AsTask());
        Assert.Equal(MediaErrorKind.InvalidInput, error.Kind);
        Assert.Contains(files.TruncatedVideo, error.Message);
        Assert.Contains("moov atom not found", error.Message);
    }

    [Fact]
    public async Task Decode_VideoWithoutAudio_ListsTheStreamsFound()
    {
        var error = await Assert.ThrowsAsync<MediaException>(() => AudioDecoder.DecodeAsync(files.SilentVideo).ToListAsync().AsTask());
        Assert.Equal(MediaErrorKind.MissingStream, error.Kind);
        Assert.Equal($"ffprobe found no audio stream in '{files.SilentVideo}' (streams: h264).", error.Message);
    }

    [Theory]
    [InlineData("EightKhz")]
    [InlineData("SixChannels")]
    [InlineData("OddName")]
    public async Task Decode_OddFormatsAndNames_Give16kMono(string which)
    {
        var path = (string)typeof(MediaFiles).GetProperty(which)!.GetValue(files)!;
        var samples = (await AudioDecoder.DecodeAsync(path).ToListAsync()).Sum(c => c.Samples.Length);
        Assert.InRange(samples / 16000.0, 2.95, 3.05);
    }

    [Fact]
    public async Task Decode_Chunks_AreContiguousAndSized()
    {
        var chunks = await AudioDecoder.DecodeAsync(files.EightKhz, chunkSamples: 4000).ToListAsync();
        Assert.All(chunks.SkipLast(1), c => Assert.Equal(4000, c.Samples.Length));
        Assert.Equal(Enumerable.Range(0, chunks.Count).Select(i => i * 4000L), chunks.Select(c => c.StartSample));
    }

    [Fact]
    public async Task Decode_Cancelled_StopsPromptly()
    {
        using var cts = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var chunk in AudioDecoder.DecodeAsync(files.Video, chunkSamples: 1600, cts.Token))
            {
                if (++seen == 2)
                {
                    cts.Cancel();
                }
            }
        });
        Assert.Equal(2, seen);
    }

    [Fact]
    public async Task Decode_ByAConsumerSlowerThanFfmpeg_GivesEverySample()
    {
        // ffmpeg exits with the end of the audio still in the pipe; FFMpegCore then cancels the token it gave the sink.
        // A sink that honoured it dropped the end of every recording whose recognition was slower than its decoding.
        var clip = SpeechSampleMaker.LibriVoxClips()[0].Path;
        var expected = (await AudioDecoder.DecodeAsync(clip).ToListAsync()).Sum(c => c.Samples.Length);
        var slow = 0;
        await foreach (var chunk in AudioDecoder.DecodeAsync(clip, chunkSamples: 1600))
        {
            slow += chunk.Samples.Length;
            await Task.Delay(10);
        }

        Assert.Equal(expected, slow);
        Assert.Equal(expected, (int)(new FileInfo(clip).Length - 44) / 2); // the clip's data: 16 kHz mono PCM16 after a 44-byte header
    }

    [Fact]
    public async Task Scenes_TwoPatterns_OneCutAtTheSeam()
    {
        var scenes = await VideoScan.RunAsync(files.Scenes, TimeSpan.FromSeconds(4), new SceneOptions(), _ => Task.CompletedTask);
        Assert.Equal(2, scenes.Count);
        Assert.InRange(scenes[1].Start.TotalSeconds, 1.9, 2.1);
        Assert.Equal((scenes[1].Start, TimeSpan.FromSeconds(4)), (scenes[0].End, scenes[1].End));
    }

    [Fact]
    public async Task Scenes_AudioOnly_SaysThereIsNoVideo()
    {
        var error = await Assert.ThrowsAsync<MediaException>(() => VideoScan.RunAsync(files.EightKhz, TimeSpan.FromSeconds(1), new SceneOptions(), _ => Task.CompletedTask));
        Assert.Equal(MediaErrorKind.MissingStream, error.Kind);
        Assert.StartsWith($"ffprobe found no video stream in '{files.EightKhz}'", error.Message);
    }

    [Fact]
    public async Task Scenes_TagsThatMimicTheFrameLines_AreNotRead()
    {
        // Each frame's PNG comment reads "x pts_time:oops" (metadata=print once echoed it between the lines parsed, and
        // that ended the process from ffmpeg's output thread). Four pictures at 2 a second, each a new shade.
        var poison = await HostileMedia.PoisonCommentMkvAsync(files.Directory);
        var scenes = await VideoScan.RunAsync(poison, TimeSpan.FromSeconds(2), new SceneOptions { Threshold = 0.3, MinScene = TimeSpan.FromSeconds(0.25) }, _ => Task.CompletedTask);
        Assert.Equal([0, 0.5, 1.5], scenes.Select(s => s.Start.TotalSeconds));
    }

    [Fact]
    public async Task FfmpegJob_OutputHandlerThrows_FfmpegStops_AndTheErrorNamesTheInput()
    {
        // Every frame of the poison file carries a comment, so metadata=print writes lines for each.
        var input = await HostileMedia.PoisonCommentMkvAsync(files.Directory, "handler.mkv");
        var lines = 0;
        var error = await Assert.ThrowsAsync<MediaException>(() => FfmpegJob.RunAsync(
            FFMpegCore.FFMpegArguments.FromFileInput(input, verifyExists: false).OutputToNull(o => o.WithCustomArgument("-map 0:v:0 -vf metadata=print:file=-")),
            input,
            CancellationToken.None,
            line =>
            {
                lines++;
                throw new FormatException("a handler that cannot read its line");
            }));
        Assert.Equal(MediaErrorKind.InvalidInput, error.Kind);
        Assert.Equal($"ffmpeg's output for '{input}' could not be read (a handler that cannot read its line)", error.Message);
        Assert.Equal(1, lines);
    }

    [Fact]
    public async Task FfmpegJob_PastItsDeadline_IsStoppedAndSaysSo()
    {
        // -re reads the input at its own pace: the 11-s video cannot be read within the 1-s deadline.
        var error = await Assert.ThrowsAsync<MediaException>(() => FfmpegJob.RunAsync(
            FFMpegCore.FFMpegArguments.FromFileInput(files.Video, verifyExists: false, o => o.WithCustomArgument("-re")).OutputToNull(o => o.WithCustomArgument("-an")),
            files.Video,
            CancellationToken.None,
            deadline: TimeSpan.FromSeconds(1)));
        Assert.Equal(MediaErrorKind.TimedOut, error.Kind);
        Assert.Equal($"ffmpeg did not finish with '{files.Video}' within 1 s, so it was stopped", error.Message);
    }

    [Fact]
    public async Task FfmpegJob_Cancelled_LeavesNoFfmpegRunning()
    {
        using var cancel = new CancellationTokenSource();
        var run = FfmpegJob.RunAsync(
            FFMpegCore.FFMpegArguments.FromFileInput(files.Video, verifyExists: false, o => o.WithCustomArgument("-re")).OutputToNull(o => o.WithCustomArgument("-an")),
            files.Video,
            cancel.Token);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (OurFfmpegs().Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "ffmpeg did not start");
            await Task.Delay(50);
        }

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (OurFfmpegs() is { Count: > 0 } left)
        {
            Assert.True(DateTime.UtcNow < deadline, $"ffmpeg still runs after the cancel: pid {string.Join(", ", left)}");
            await Task.Delay(50);
        }
    }

    /// <summary>This process's ffmpeg children reading the test video at its own pace (other tests' ffmpeg are not counted).</summary>
    private List<int> OurFfmpegs() =>
        [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).OfType<string>()
            .Where(name => int.TryParse(name, out _))
            .Where(pid =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{pid}/stat");
                    var parent = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
                    var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
                    return parent == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        && commandLine.Contains("-re") && commandLine.Contains(files.Video);
                }
                catch (IOException)
                {
                    return false; // gone meanwhile
                }
            })
            .Select(int.Parse)];
}
