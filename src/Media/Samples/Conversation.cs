using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Samples;

/// <summary>
/// A voice to build conversations from: a text-to-speech command (festival's text2wave with a voice, or espeak-ng
/// with a voice and variant) or, with no command, the LibriVox reader of pocketsphinx-testdata (a real person, whose
/// clips are spoken in turn whatever the text).
/// </summary>
public sealed record Voice(string Name, string[]? Command)
{
    /// <summary>Festival's diphone voices kal and ked (male, US), its HTS voice slt (female, US), espeak-ng's US English
    /// male and a female variant, and the LibriVox reader: the distinct voices that Debian packages give.</summary>
    public static IReadOnlyList<Voice> Available { get; } =
    [
        new("kal", ["text2wave", "-eval", "(voice_kal_diphone)"]),
        new("slt", ["text2wave", "-eval", "(voice_cmu_us_slt_arctic_hts)"]),
        new("espeak", ["espeak-ng", "-v", "en-us"]),
        new("ked", ["text2wave", "-eval", "(voice_ked_diphone)"]),
        new("espeak-f", ["espeak-ng", "-v", "en-us+f3"]),
        new("librivox", null),
    ];
}

/// <summary>A generated conversation: the 16 kHz WAV, who really spoke when, its length, and what was said in turn.</summary>
public sealed record Conversation(string Path, IReadOnlyList<SpeakerTurn> Turns, TimeSpan Duration, string ReferenceText);

/// <summary>
/// Builds conversations with known turns from distinct voices (for diarization's tests and bench): speakers take
/// turns of one short reply or several generated sentences (about 1–20 s), with pauses between and, now and then, the
/// next speaker starting before the last has finished. Seeded, so the same every run; each voice's utterances are
/// synthesised once and kept in a cache folder.
/// </summary>
public static class ConversationMaker
{
    private const int Rate = 16_000;

    private static readonly string[] s_replies =
    [
        "Yes.", "Right, exactly.", "I see.", "No, not really.", "Okay, go on.", "Sure.", "That is true.", "Hmm, maybe.", "Thank you.", "Really?",
    ];

    /// <summary>
    /// Writes a conversation of at least <paramref name="length"/> among <paramref name="voices"/> to
    /// <paramref name="path"/>; <paramref name="overlap"/> is the share of turns that start before the previous one ends;
    /// turns last about 1 s to <paramref name="longestTurn"/> seconds, the pauses between them
    /// <paramref name="shortestPause"/> to <paramref name="shortestPause"/> + 1.3 s.
    /// </summary>
    public static async Task<Conversation> WriteAsync(
        string path, IReadOnlyList<Voice> voices, TimeSpan length, int seed, double overlap = 0.1, string? cache = null,
        double longestTurn = 20, double shortestPause = 0.2, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(voices.Count, 1);
        cache ??= System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, "voices");
        Directory.CreateDirectory(cache);
        var random = new Random(seed);
        var audio = new List<float>(new float[Rate / 2]);
        var turns = new List<SpeakerTurn>();
        var said = new List<string>();
        var clipTurn = 0;
        var previous = -1;
        while (audio.Count < length.TotalSeconds * Rate)
        {
            var speaker = voices.Count == 1 ? 0 : (previous + 1 + random.Next(voices.Count - 1)) % voices.Count;
            var voice = voices[speaker];
            var target = 1 + (random.NextDouble() * (longestTurn - 1));
            var spoken = new List<float>();
            if (voice.Command is null)
            {
                var clips = SpeechSampleMaker.LibriVoxClips();
                var (clip, text) = clips[clipTurn++ % clips.Count];
                spoken.AddRange(Trim(await DecodeAsync(clip, cancellationToken).ConfigureAwait(false)));
                said.Add(text);
            }
            else if (target < 2.5)
            {
                var reply = s_replies[random.Next(s_replies.Length)];
                spoken.AddRange(await SpeakAsync(voice, reply, cache, cancellationToken).ConfigureAwait(false));
                said.Add(reply);
            }
            else
            {
                while (spoken.Count < target * Rate)
                {
                    if (spoken.Count > 0)
                    {
                        spoken.AddRange(new float[(int)(0.25 * Rate)]);
                    }

                    var sentence = TextSamples.Sentence(TextSamples.Labels[random.Next(TextSamples.Labels.Length)], random);
                    spoken.AddRange(await SpeakAsync(voice, sentence, cache, cancellationToken).ConfigureAwait(false));
                    said.Add(sentence);
                }
            }

            // A pause, or an overlap of 0.3–1 s (never more than half the turn before).
            var start = audio.Count + (int)((shortestPause + (random.NextDouble() * 1.3)) * Rate);
            if (turns.Count > 0 && random.NextDouble() < overlap)
            {
                var last = turns[^1];
                var into = Math.Min((int)((0.3 + (random.NextDouble() * 0.7)) * Rate), (int)((last.End - last.Start).TotalSeconds * Rate / 2));
                start = audio.Count - into;
            }

            while (audio.Count < start + spoken.Count)
            {
                audio.Add(0);
            }

            for (var i = 0; i < spoken.Count; i++)
            {
                audio[start + i] = Math.Clamp(audio[start + i] + spoken[i], -1f, 1f);
            }

            turns.Add(new SpeakerTurn(voice.Name, TimeSpan.FromSeconds(start / (double)Rate), TimeSpan.FromSeconds((start + spoken.Count) / (double)Rate)));
            previous = speaker;
        }

        audio.AddRange(new float[Rate / 2]);
        await WriteWavAsync(path, audio, cancellationToken).ConfigureAwait(false);
        return new Conversation(path, turns, TimeSpan.FromSeconds(audio.Count / (double)Rate), string.Join(' ', said));
    }

    /// <summary>A voice saying <paramref name="text"/>: 16 kHz samples without the silence before and after (cached by voice and text).</summary>
    public static async Task<float[]> SpeakAsync(Voice voice, string text, string cache, CancellationToken cancellationToken = default)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(voice.Name + "\n" + text)))[..16];
        var wav = System.IO.Path.Combine(cache, $"{voice.Name}-{key}.wav");
        if (!File.Exists(wav))
        {
            var textFile = wav + ".txt";
            await File.WriteAllTextAsync(textFile, text, cancellationToken).ConfigureAwait(false);
            var command = voice.Command ?? throw new InvalidOperationException($"{voice.Name} is recorded speech, not a synthesiser");
            var info = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
            var partial = wav + ".part.wav";
            foreach (var argument in command.Skip(1).Concat(command[0] == "text2wave" ? [textFile, "-o", partial] : ["-f", textFile, "-w", partial]))
            {
                info.ArgumentList.Add(argument);
            }

            using (var process = Process.Start(info) ?? throw new MediaException(MediaErrorKind.ToolMissing, $"{command[0]} did not start"))
            {
                var errors = process.StandardError.ReadToEndAsync(cancellationToken);
                _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    throw new MediaException(MediaErrorKind.ToolMissing, $"{command[0]} exited {process.ExitCode}: {await errors.ConfigureAwait(false)} (./mc setup installs festival, its voices and espeak-ng)");
                }
            }

            File.Move(partial, wav, overwrite: true);
            File.Delete(textFile);
        }

        return Trim(await DecodeAsync(wav, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<float[]> DecodeAsync(string path, CancellationToken cancellationToken)
    {
        var samples = new List<float>();
        await foreach (var chunk in AudioDecoder.DecodeAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            foreach (var s in chunk.Samples)
            {
                samples.Add(s / 32768f);
            }
        }

        return [.. samples];
    }

    /// <summary>Without the near-silence (below 1 % of full scale over 10 ms) at either end.</summary>
    private static float[] Trim(float[] samples)
    {
        const int frame = Rate / 100;
        bool Loud(int at)
        {
            for (var i = at; i < Math.Min(at + frame, samples.Length); i++)
            {
                if (Math.Abs(samples[i]) > 0.01f)
                {
                    return true;
                }
            }

            return false;
        }

        var first = 0;
        while (first < samples.Length && !Loud(first))
        {
            first += frame;
        }

        var last = samples.Length;
        while (last > first && !Loud(Math.Max(first, last - frame)))
        {
            last -= frame;
        }

        return samples[first..Math.Max(first, last)];
    }

    private static async Task WriteWavAsync(string path, IReadOnlyList<float> audio, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        Live.Pcm16WavWriter.WriteHeader(file, audio.Count);
        var bytes = new byte[audio.Count * 2];
        for (var i = 0; i < audio.Count; i++)
        {
            var s = (short)Math.Clamp(Math.Round(audio[i] * 32767f), short.MinValue, short.MaxValue);
            bytes[2 * i] = (byte)s;
            bytes[(2 * i) + 1] = (byte)(s >> 8);
        }

        await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }
}
