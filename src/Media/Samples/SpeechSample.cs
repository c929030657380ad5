using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Samples;

/// <summary>A generated recording: where it is, what is said in it, and where each clip really lies.</summary>
public sealed record SpeechSample(string Path, string ReferenceText, IReadOnlyList<(TimeSpan Start, TimeSpan End)> ClipBounds, TimeSpan Duration);

/// <summary>
/// Builds test and demo recordings from real speech (the LibriVox clips of Debian's pocketsphinx-testdata):
/// clips in turn, separated by silences of random length (seeded, so the same every run).
/// </summary>
public static class SpeechSampleMaker
{
    /// <summary>Folder of the LibriVox clips and their transcription.</summary>
    public const string LibriVoxDirectory = "/usr/share/pocketsphinx/test/data/librivox";

    /// <summary>The LibriVox clips with their reference text.</summary>
    public static IReadOnlyList<(string Path, string Text)> LibriVoxClips()
    {
        var transcription = System.IO.Path.Combine(LibriVoxDirectory, "transcription");
        if (!File.Exists(transcription))
        {
            throw new MediaException(MediaErrorKind.ToolMissing, $"'{transcription}' is missing; install 'pocketsphinx-testdata' (./mc setup).");
        }

        return File.ReadAllLines(transcription)
            .Where(l => l.Contains('('))
            .Select(l =>
            {
                var id = l[(l.LastIndexOf('(') + 1)..l.LastIndexOf(')')];
                var text = l[..l.LastIndexOf('(')].Replace("<s>", string.Empty).Replace("</s>", string.Empty).Trim();
                return (System.IO.Path.Combine(LibriVoxDirectory, id + ".wav"), text);
            })
            .ToList();
    }

    /// <summary>
    /// Writes a 16 kHz mono WAV of at least <paramref name="minimumDuration"/>: clips in turn with silences of
    /// <paramref name="minGap"/>–<paramref name="maxGap"/> seconds (and <paramref name="lead"/> before the first).
    /// </summary>
    public static async Task<SpeechSample> WriteAsync(
        string path, TimeSpan minimumDuration, int seed = 42, double minGap = 0.1, double maxGap = 1.0, double lead = 0.5,
        int? clipCount = null, CancellationToken cancellationToken = default)
    {
        var clips = new List<(short[] Samples, string Text)>();
        foreach (var (clip, text) in LibriVoxClips())
        {
            var samples = new List<short>();
            await foreach (var chunk in AudioDecoder.DecodeAsync(clip, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                samples.AddRange(chunk.Samples);
            }

            clips.Add((samples.ToArray(), text));
        }

        var random = new Random(seed);
        var bounds = new List<(TimeSpan, TimeSpan)>();
        var texts = new List<string>();
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        await using var writer = new BinaryWriter(file);
        writer.Flush();
        Live.Pcm16WavWriter.WriteHeader(file, 0);
        long written = 0;
        WriteSilence(writer, (long)(lead * 16000), ref written);
        for (var i = 0; clipCount is { } count ? i < count : written < minimumDuration.TotalSeconds * 16000; i++)
        {
            if (i > 0)
            {
                WriteSilence(writer, (long)((minGap + (random.NextDouble() * (maxGap - minGap))) * 16000), ref written);
            }

            var (samples, text) = clips[i % clips.Count];
            var start = written;
            foreach (var s in samples)
            {
                writer.Write(s);
            }

            written += samples.Length;
            bounds.Add((TimeSpan.FromSeconds(start / 16000.0), TimeSpan.FromSeconds(written / 16000.0)));
            texts.Add(text);
        }

        WriteSilence(writer, (long)(lead * 16000), ref written);
        writer.Flush();
        file.Position = 0;
        Live.Pcm16WavWriter.WriteHeader(file, written);
        return new SpeechSample(path, string.Join(' ', texts), bounds, TimeSpan.FromSeconds(written / 16000.0));
    }

    private static void WriteSilence(BinaryWriter writer, long samples, ref long written)
    {
        for (long i = 0; i < samples; i++)
        {
            writer.Write((short)0);
        }

        written += samples;
    }
}
