using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Media.Tests;

/// <summary>What ffmpeg is allowed to read: the file named and nothing it names, in the formats the node reads.</summary>
[Collection(MediaCollection.Name)]
public sealed class FfmpegInputTests(MediaFiles files)
{
    [Fact]
    public async Task Decode_FilesNamedLikeArgumentsOrProtocols_ReadThatFileAndNothingElse()
    {
        // FFMpegCore 6 quotes a path without escaping quotes in it: a name must never reach its command line.
        var folder = Directory.CreateTempSubdirectory("mc-hostile-names-").FullName;
        try
        {
            var clip = SpeechSampleMaker.LibriVoxClips()[0].Path;
            var expected = (await AudioDecoder.DecodeAsync(clip).ToListAsync()).Sum(c => c.Samples.Length);
            string[] names = ["x\" -f wav -y \"hijacked.wav", "-i.wav", "concat:a.wav|b.wav", "pipe:0", "tab\tand\nnewline.wav", "Grüße.flac"];
            foreach (var name in names)
            {
                var path = Path.Combine(folder, name);
                File.Copy(clip, path);
                Assert.Equal("wav", (await MediaProbe.ProbeAudioAsync(path)).Container);
                Assert.Equal(expected, (await AudioDecoder.DecodeAsync(path).ToListAsync()).Sum(c => c.Samples.Length));
            }

            Assert.Equal(names.Order(StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.False(File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "hijacked.wav")), "ffmpeg wrote a file named in the input's name");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// An HLS playlist, a concat list and a DASH manifest naming another job's media are refused by what they are,
    /// before ffmpeg opens anything; a file in a format outside the demuxer allowlist (a PNG picture) is refused by
    /// ffprobe itself, named.
    /// </summary>
    [Theory]
    [InlineData("list.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{0}\n#EXT-X-ENDLIST\n", "an HLS (M3U) playlist")]
    [InlineData("list.txt", "ffconcat version 1.0\nfile '{0}'\n", "an ffmpeg concat list")]
    [InlineData("talk.mpd", "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"><BaseURL>file:{0}</BaseURL></MPD>\n", "a DASH manifest")]
    [InlineData("talk.sdp", "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nm=audio 5004 RTP/AVP 0\n", "an SDP session description")]
    public async Task IndirectInputs_AreRefused_NamingWhatTheyAre(string name, string content, string kind)
    {
        var path = Path.Combine(files.Directory, "indirect-" + name);
        await File.WriteAllTextAsync(path, string.Format(System.Globalization.CultureInfo.InvariantCulture, content, files.FiveClips.Path));
        var probe = await Assert.ThrowsAsync<MediaException>(() => MediaProbe.ProbeAsync(path));
        Assert.Equal(MediaErrorKind.InvalidInput, probe.Kind);
        Assert.Equal($"'{path}' is {kind}: it names other files or addresses to read, and the node reads only the media it is given — submit the media file itself.", probe.Message);
        var decode = await Assert.ThrowsAsync<MediaException>(() => AudioDecoder.DecodeAsync(path).ToListAsync().AsTask());
        Assert.Equal(probe.Message, decode.Message);
    }

    [Fact]
    public async Task AFormatOutsideTheAllowlist_IsRefusedByFfprobe_Named()
    {
        var path = Path.Combine(files.Directory, "picture.wav");
        await File.WriteAllBytesAsync(path, HostileMedia.Png(64, 48, 90, "Comment", "a picture, not a recording"));
        var error = await Assert.ThrowsAsync<MediaException>(() => MediaProbe.ProbeAsync(path));
        Assert.Equal(MediaErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith($"'{path}' is in the 'png_pipe' format, which the node does not read: it reads audio and video files only (formats wav,", error.Message);
    }

    [Fact]
    public async Task EveryAllowedDemuxer_IsOneThisFfmpegHas()
    {
        // A name ffmpeg does not know would silently allow nothing; the list is checked against `ffmpeg -demuxers`.
        var info = new System.Diagnostics.ProcessStartInfo("ffmpeg", "-hide_banner -demuxers") { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(info)!;
        var known = (await process.StandardOutput.ReadToEndAsync()).Split('\n')
            .Select(line => line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length >= 2 && parts[0].Contains('D'))
            .SelectMany(parts => parts[1].Split(','))
            .ToHashSet();
        await process.WaitForExitAsync();
        var unknown = FfmpegInput.Demuxers.Split(',').Where(name => !known.Contains(name)).ToList();
        Assert.True(unknown.Count == 0, $"not demuxers of this ffmpeg: {string.Join(", ", unknown)}");
    }
}
