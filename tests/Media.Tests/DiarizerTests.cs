using MediaCluster.Media.Asr;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Reports;

namespace MediaCluster.Media.Tests;

/// <summary>The diarizer over made-up voices (windows drawn around two means), and speakers in the transcript's formats.</summary>
public sealed class DiarizerTests
{
    private static readonly float[] s_a = Voice(0);
    private static readonly float[] s_b = Voice(1);

    [Fact]
    public void Segments_OfTwoVoices_OneChangingInside_GiveTurnsSplitWhereTheVoiceChanges()
    {
        // Six segments of 10 windows in turn A, B, A, B, A, B, then one of A for 8 windows and B for 8 (a change inside,
        // at its window 8).
        SegmentVoice[] segments =
        [
            .. Enumerable.Range(0, 6).Select(i => Segment(20 * i, [.. Enumerable.Repeat(i % 2 == 0 ? s_a : s_b, 10)])),
            Segment(120, [.. Enumerable.Repeat(s_a, 8), .. Enumerable.Repeat(s_b, 8)]),
        ];
        var turns = Diarizer.Diarize(segments, new SpeakerCount());

        // Window w's span: between its centre (start + 0.75 w + 0.75 s) and its neighbours'; the change falls between
        // windows 7 and 8 of the last segment: at 120 + 0.75 × 7.5 + 0.75 = 126.375 s.
        Assert.Equal(
            [
                .. segments[..6].Select((s, i) => (i % 2 == 0 ? "spk1" : "spk2", s.Start.TotalSeconds, s.End.TotalSeconds)),
                ("spk1", 120.0, 126.375), ("spk2", 126.375, segments[6].End.TotalSeconds),
            ],
            turns.Select(t => (t.Speaker, Math.Round(t.Start.TotalSeconds, 3), Math.Round(t.End.TotalSeconds, 3))));

        // Told one speaker, one; with no windows at all, no turns.
        Assert.Equal(["spk1"], Diarizer.Diarize(segments, new SpeakerCount(Count: 1)).Select(t => t.Speaker).Distinct());
        Assert.Empty(Diarizer.Diarize([new SegmentVoice(TimeSpan.Zero, TimeSpan.FromSeconds(0.05), [])], new SpeakerCount()));
    }

    [Fact]
    public void ASegmentTooShortForAWindow_TakesTheNearestSpeaker()
    {
        SegmentVoice[] segments =
        [
            Segment(0, [.. Enumerable.Repeat(s_a, 6)]),
            new SegmentVoice(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(6.08), []),
            Segment(30, [.. Enumerable.Repeat(s_b, 6)]),
        ];
        var turns = Diarizer.Diarize(segments, new SpeakerCount());
        Assert.Equal(["spk1", "spk1", "spk2"], turns.Select(t => t.Speaker));
        Assert.Equal(TimeSpan.FromSeconds(6), turns[1].Start);
    }

    [Fact]
    public void SpeakerTurns_NameSegmentsAndWords_AndRefuseBadNames()
    {
        var speakers = new SpeakerTurns(
            [new SpeakerTurn("spk1", TimeSpan.FromSeconds(0), TimeSpan.FromSeconds(4)), new SpeakerTurn("spk2", TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(9))],
            new Dictionary<string, string> { ["spk2"] = "Bob" });
        Assert.Equal("spk2", speakers.Of(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(8))); // longest overlap
        Assert.Equal("spk2", speakers.Of(TimeSpan.FromSeconds(9.5), TimeSpan.FromSeconds(10))); // nearest turn
        Assert.Equal([("spk1", TimeSpan.FromSeconds(4)), ("spk2", TimeSpan.FromSeconds(5))], speakers.SpeakingTime());
        Assert.Null(speakers.CannotName("spk1", "Anna"));
        Assert.Equal("'Bob' already names spk2", speakers.CannotName("spk1", "Bob"));
        Assert.Equal("'spk2' already names spk2", speakers.CannotName("spk1", "spk2"));
        Assert.Equal("there is no speaker 'spk3' (speakers: spk1, spk2)", speakers.CannotName("spk3", "Anna"));
        Assert.All(new[] { "", " Anna", "A<b>", "x\n", new string('a', 65) }, name => Assert.NotNull(speakers.CannotName("spk1", name)));

        var transcript = new Transcript(
            "a talk.wav",
            TimeSpan.FromSeconds(10),
            "pocketsphinx",
            "en-us",
            [
                new TranscriptSegment(0, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(5), "hello there you", 0.9,
                    [new RecognizedWord("hello", TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), 0.9), new RecognizedWord("you", TimeSpan.FromSeconds(4.2), TimeSpan.FromSeconds(4.6), 0.8)]),
                new TranscriptSegment(1, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8), "a < b & c", 0.8, []),
            ],
            Speakers: speakers);
        Assert.Equal("[spk1] hello there you\n[Bob] a < b & c\n", TranscriptFormats.Txt(transcript));
        Assert.Contains("00:00:05,000 --> 00:00:08,000\n[Bob] a < b & c\n", TranscriptFormats.Srt(transcript), StringComparison.Ordinal);
        Assert.Equal(
            "WEBVTT\n\n00:00:00.500 --> 00:00:05.000\n<v spk1>hello there you\n\n00:00:05.000 --> 00:00:08.000\n<v Bob>a &lt; b &amp; c\n\n",
            TranscriptFormats.Vtt(transcript));
        Assert.Equal(
            "SPEAKER a_talk 1 0.000 4.000 <NA> <NA> spk1 <NA> <NA>\nSPEAKER a_talk 1 4.000 5.000 <NA> <NA> Bob <NA> <NA>\n",
            TranscriptFormats.SpeakerRttm("a talk", speakers));
        Assert.Equal(string.Empty, TranscriptFormats.SpeakerRttm("a talk", null));

        // JSON: each segment's and word's speaker id, the speakers with names and times, the turns; read back whole.
        var json = TranscriptFormats.Json(transcript);
        Assert.Contains("\"speaker\": \"spk2\"", json, StringComparison.Ordinal);
        var back = TranscriptFormats.ParseJson(json);
        Assert.Equal(speakers.Turns, back.Speakers!.Turns);
        Assert.Equal("Bob", back.Speakers.NameOf("spk2"));
        Assert.Equal("spk1", back.Speakers.NameOf("spk1"));
        Assert.Equal(["spk1", "spk2"], back.Segments.Select(back.SpeakerOf));
        Assert.Equal(["spk1", "spk2"], back.Segments[0].Words.Select(back.SpeakerOf)); // "you" at 4.2–4.6 s is spk2's
        Assert.Null(TranscriptFormats.ParseJson(TranscriptFormats.Json(transcript with { Speakers = null })).Speakers);
    }

    [Fact]
    public void ASegmentSpanningAChangeOfSpeaker_IsTwoCues_WhenItsWordsSpellItsText()
    {
        var speakers = new SpeakerTurns(
            [new SpeakerTurn("spk1", TimeSpan.FromSeconds(0), TimeSpan.FromSeconds(3)), new SpeakerTurn("spk2", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(9))],
            new Dictionary<string, string> { ["spk2"] = "Bob" });
        RecognizedWord[] words =
        [
            new("yes", TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(0.9), 0.9), new("right", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.6), 0.9),
            new("so", TimeSpan.FromSeconds(3.4), TimeSpan.FromSeconds(3.7), 0.9), new("anyway", TimeSpan.FromSeconds(3.8), TimeSpan.FromSeconds(4.5), 0.9),
        ];
        var label = new Learning.ModelLabel("text", "topic", 0.8, 2);
        var transcript = new Transcript(
            "talk.wav", TimeSpan.FromSeconds(9), "pocketsphinx", "en-us",
            [
                new TranscriptSegment(0, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(4.8), "yes right so anyway", 0.9, words, label),
                new TranscriptSegment(1, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8), "and then", 0.9, []),
            ],
            Speakers: speakers);

        // Split at the first word of the new speaker; the segment's label on its last cue.
        Assert.Equal(
            [
                new TranscriptCue(TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(3.4), "yes right", "spk1"),
                new TranscriptCue(TimeSpan.FromSeconds(3.4), TimeSpan.FromSeconds(4.8), "so anyway", "Bob", label),
                new TranscriptCue(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8), "and then", "Bob"),
            ],
            transcript.Cues());
        Assert.Equal("[spk1] yes right\n[Bob] so anyway\n[Bob] and then\n", TranscriptFormats.Txt(transcript));
        Assert.StartsWith("1\n00:00:00,400 --> 00:00:03,400\n[spk1] yes right\n\n2\n00:00:03,400 --> 00:00:04,800\n[Bob] so anyway\n\n3\n", TranscriptFormats.Srt(transcript), StringComparison.Ordinal);
        Assert.Contains("00:00:03.400 --> 00:00:04.800\n<v Bob>so anyway\n", TranscriptFormats.Vtt(transcript), StringComparison.Ordinal);

        // Words that do not spell the text (whisper's tokens may not), or no speakers: one cue per segment.
        var unspelled = transcript with { Segments = [transcript.Segments[0] with { Text = "Yes, right. So, anyway." }] };
        Assert.Equal([new TranscriptCue(TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(4.8), "Yes, right. So, anyway.", "spk1", label)], unspelled.Cues());
        Assert.Equal(2, (transcript with { Speakers = null }).Cues().Count());
    }

    /// <summary>A segment at <paramref name="startSeconds"/> whose windows (every 0.75 s) are the given voices with noise.</summary>
    private static SegmentVoice Segment(double startSeconds, float[][] voices)
    {
        var random = new Random((int)startSeconds);
        var windows = voices.Select((voice, w) => (w * SpeakerFeatures.HopFrames, Noisy(voice, random))).ToList();
        return new SegmentVoice(TimeSpan.FromSeconds(startSeconds), TimeSpan.FromSeconds(startSeconds + ((voices.Length - 1) * 0.75) + 1.5), windows);
    }

    /// <summary>Two voices about 2.5 noise standard deviations apart per dimension on average.</summary>
    private static float[] Voice(int which) => [.. Enumerable.Range(0, SpeakerFeatures.Dimensions).Select(d => (float)(which == 0 ? Math.Sin(d) * 0.6 : Math.Cos(d) * 0.6))];

    private static float[] Noisy(float[] voice, Random random) => [.. voice.Select(v => v + (float)((random.NextDouble() - 0.5) * 0.8))];
}
