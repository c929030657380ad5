using System.Globalization;
using System.Text.Json;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Samples;

namespace MediaCluster.Node.Tests;

/// <summary>Who spoke when, through a served node and pbm: two voices' conversation diarized, shown in every output, renamed.</summary>
public sealed class DiarizationTests : PbmTest
{
    [Fact]
    public async Task ATwoVoiceConversation_ThroughANode_GetsItsTurnsInEveryOutput_AndASpeakerRenamedRewritesThem()
    {
        // festival's kal and slt taking turns for about 70 s, with pauses between turns.
        var conversation = await ConversationMaker.WriteAsync(
            Path.Combine(Folder, "two voices.wav"), [Voice.Available[0], Voice.Available[1]], TimeSpan.FromSeconds(70), seed: 7, overlap: 0);
        Assert.Equal(["kal", "slt"], conversation.Turns.Select(t => t.Speaker).Distinct().Order(StringComparer.Ordinal));

        var (status, output, errors) = await PbmAsync("media", "submit", conversation.Path, "--wait");
        Assert.True(status == 0, $"submit exited {status}: {errors}{output}");
        var id = output.Split('\n')[0].Split(' ')[1];
        string Artifact(string name) => Served.Client.GetStringAsync($"/api/jobs/{id}/artifacts/{name}").GetAwaiter().GetResult();

        // diarization.rttm: two speakers, their turns right within the 0.25-s collar (the VAD's misses count too).
        var found = ReadRttm(Artifact("diarization.rttm"));
        Assert.Equal(["spk1", "spk2"], found.Select(t => t.Speaker).Distinct().Order(StringComparer.Ordinal));
        var error = DiarizationError.Score(conversation.Turns, found);
        Assert.True(error.Rate <= 0.08, $"DER {error.Rate:P1} (missed {error.MissedSeconds:0.0} s, false alarm {error.FalseAlarmSeconds:0.0} s, confusion {error.ConfusionSeconds:0.0} s of {error.ScoredSeconds:0.0} s)");
        Assert.Equal("kal", error.Mapping["spk1"]); // numbered by first appearance: kal speaks first
        Assert.Equal("slt", error.Mapping["spk2"]);

        // transcript.json: a speaker per segment and per word, and the speakers with their speaking time.
        var json = JsonDocument.Parse(Artifact("transcript.json")).RootElement;
        var segments = json.GetProperty("segments").EnumerateArray().ToList();
        Assert.All(segments, s => Assert.Contains(s.GetProperty("speaker").GetString(), new[] { "spk1", "spk2" }));
        Assert.All(segments.SelectMany(s => s.GetProperty("words").EnumerateArray()), w => Assert.Contains(w.GetProperty("speaker").GetString(), new[] { "spk1", "spk2" }));
        var speakers = json.GetProperty("speakers").EnumerateArray().ToList();
        Assert.Equal(["spk1", "spk2"], speakers.Select(s => s.GetProperty("id").GetString()));
        foreach (var speaker in speakers)
        {
            var truth = conversation.Turns.Where(t => t.Speaker == error.Mapping[speaker.GetProperty("id").GetString()!]).Sum(t => (t.End - t.Start).TotalSeconds);
            Assert.InRange(speaker.GetProperty("seconds").GetDouble(), truth * 0.8, truth * 1.25);
        }

        // Each spoken segment is a line naming its speaker in the text, SRT and WebVTT — split where its words' speaker
        // changes (a segment the VAD kept whole across a change of voice).
        var spoken = segments.Where(s => s.GetProperty("text").GetString()!.Length > 0).ToList();
        Assert.Equal(Lines(id => id), SplitLines(Artifact("transcript.txt")));
        Assert.Equal(Lines(id => id).Count(), Artifact("transcript.vtt").Split('\n').Count(l => l.StartsWith("<v spk", StringComparison.Ordinal)));
        Assert.Contains($"\n{Lines(id => id).First()}", Artifact("transcript.srt"), StringComparison.Ordinal);

        // pbm media speakers: each speaker's time and turns.
        (status, output, errors) = await PbmAsync("media", "speakers", id);
        Assert.True(status == 0, $"speakers exited {status}: {errors}");
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("SPEAKER\tNAME\tSECONDS\tTURNS", rows[0]);
        Assert.Equal(
            speakers.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.GetProperty("id").GetString()}\t{s.GetProperty("id").GetString()}\t{s.GetProperty("seconds").GetDouble():0.0}\t{found.Count(t => t.Speaker == s.GetProperty("id").GetString())}")),
            rows[1..]);

        // Renamed: the name replaces the id in every transcript file and the RTTM; refused for a speaker there is not, a
        // name another speaker has, or a name with brackets.
        (status, output, errors) = await PbmAsync("media", "speakers", id, "rename", "spk1", "Anna Smith");
        Assert.True(status == 0, $"rename exited {status}: {errors}");
        Assert.StartsWith("SPEAKER\tNAME\tSECONDS\tTURNS\nspk1\tAnna Smith\t", output, StringComparison.Ordinal);
        Assert.Equal(Lines(id => id == "spk1" ? "Anna Smith" : id), SplitLines(Artifact("transcript.txt")));
        Assert.Contains("<v Anna Smith>", Artifact("transcript.vtt"), StringComparison.Ordinal);
        Assert.Contains("[Anna Smith] ", Artifact("transcript.srt"), StringComparison.Ordinal);
        Assert.Equal(found.Select(t => t with { Speaker = t.Speaker == "spk1" ? "Anna_Smith" : t.Speaker }), ReadRttm(Artifact("diarization.rttm")));

        // report.pdf too, its speakers' table and its transcript lines (written again from the inputs kept beside it).
        var pdf = Path.Combine(Folder, "report.pdf");
        await File.WriteAllBytesAsync(pdf, await Served.Client.GetByteArrayAsync($"/api/jobs/{id}/artifacts/report.pdf"));
        var report = await MediaCluster.Testing.PdfText.ReadAsync(pdf);
        Assert.Contains("Anna Smith", report, StringComparison.Ordinal);
        Assert.Contains("[Anna Smith] ", report, StringComparison.Ordinal);
        Assert.DoesNotContain("[spk1]", report, StringComparison.Ordinal);
        Assert.Contains("[spk2] ", report, StringComparison.Ordinal);
        json = JsonDocument.Parse(Artifact("transcript.json")).RootElement;
        Assert.Equal(["Anna Smith", "spk2"], json.GetProperty("speakers").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal(segments.Select(s => s.GetProperty("speaker").GetString()), json.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("speaker").GetString()));

        (status, _, errors) = await PbmAsync("media", "speakers", id, "rename", "spk9", "Bob");
        Assert.Equal((1, "error: there is no speaker 'spk9' (speakers: spk1, spk2)\n"), (status, errors));
        (status, _, errors) = await PbmAsync("media", "speakers", id, "rename", "spk2", "Anna Smith");
        Assert.Equal((1, "error: 'Anna Smith' already names spk1\n"), (status, errors));
        (status, _, errors) = await PbmAsync("media", "speakers", id, "rename", "spk2", "<b>");
        Assert.Equal(1, status);
        Assert.Contains("a speaker's name is 1–64 characters", errors, StringComparison.Ordinal);

        // Told one speaker, the same conversation is one voice; a count out of range is refused before anything is sent.
        (status, output, errors) = await PbmAsync("media", "submit", conversation.Path, "--speakers", "1", "--wait");
        Assert.True(status == 0, $"submit --speakers 1 exited {status}: {errors}{output}");
        var one = output.Split('\n')[0].Split(' ')[1];
        Assert.Equal(["spk1"], ReadRttm(await Served.Client.GetStringAsync($"/api/jobs/{one}/artifacts/diarization.rttm")).Select(t => t.Speaker).Distinct());
        (status, _, errors) = await PbmAsync("media", "submit", conversation.Path, "--speakers", "0");
        Assert.Equal(2, status);
        Assert.Contains("--speakers 0: give a whole number from 1 to 50", errors, StringComparison.Ordinal);

        // The text file's lines from transcript.json: per segment, a line per run of its words' speaker (one when all are one's).
        IEnumerable<string> Lines(Func<string, string> name) => spoken.SelectMany(segment =>
        {
            var runs = new List<(string Speaker, List<string> Words)>();
            foreach (var word in segment.GetProperty("words").EnumerateArray())
            {
                var speaker = word.GetProperty("speaker").GetString()!;
                if (runs.Count == 0 || runs[^1].Speaker != speaker)
                {
                    runs.Add((speaker, []));
                }

                runs[^1].Words.Add(word.GetProperty("text").GetString()!);
            }

            return runs.Count < 2
                ? [$"[{name(segment.GetProperty("speaker").GetString()!)}] {segment.GetProperty("text").GetString()}\n"]
                : runs.Select(r => $"[{name(r.Speaker)}] {string.Join(' ', r.Words)}\n");
        });
    }

    [Fact]
    public async Task SpeakerChoices_OverTheApi_AreCheckedBeforeAJobStarts()
    {
        var clip = SpeechSampleMaker.LibriVoxClips()[1].Path;
        foreach (var (fields, refusal) in new (string Name, string Value)[][]
        {
            [("speakers", "zero")], [("speakers", "51")], [("speakers", "2"), ("max_speakers", "3")], [("min_speakers", "4"), ("max_speakers", "2")],
        }.Zip(new[]
        {
            "'speakers' is a whole number from 1 to 50", "'speakers' is a whole number from 1 to 50",
            "give 'speakers' or 'min_speakers'/'max_speakers', not both", "'min_speakers' (4) is more than 'max_speakers' (2)",
        }))
        {
            using var form = new MultipartFormDataContent();
            foreach (var (name, value) in fields)
            {
                form.Add(new StringContent(value), name);
            }

            form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(clip)), "file", "clip.wav");
            using var response = await Served.Client.PostAsync("/api/jobs", form);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(refusal, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        }

        Assert.Empty((await PbmAsync("--json", "media", "list")).Output.Trim('[', ']', '\n'));
    }

    [Fact]
    public async Task Live_TwoVoices_EachFinalCarriesAProvisionalSpeaker_AndTheSessionsJobIsDiarized()
    {
        // Turns of at most 8 s, a pause of over a second between (a live utterance ends after 0.8 s of silence, so each
        // is one voice's).
        var conversation = await ConversationMaker.WriteAsync(
            Path.Combine(Folder, "live voices.wav"), [Voice.Available[1], Voice.Available[0]], TimeSpan.FromSeconds(50), seed: 12, overlap: 0, longestTurn: 8, shortestPause: 1.2);
        var (status, output, errors) = await PbmAsync("--json", "live", conversation.Path, "--speed", "0");
        Assert.True(status == 0, $"live exited {status}: {errors}");
        var messages = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var finals = messages.Where(m => m.TryGetProperty("text", out var text) && text.GetString()!.Length > 0).ToList();

        // Each final's speaker against the voice that spoke at its middle: the same voice, the same provisional id.
        var pairs = finals.Select(f =>
        {
            var words = f.GetProperty("result").EnumerateArray().ToList();
            var middle = TimeSpan.FromSeconds((words[0].GetProperty("start").GetDouble() + words[^1].GetProperty("end").GetDouble()) / 2);
            var voice = conversation.Turns.MinBy(t => t.Start <= middle && middle <= t.End ? 0 : Math.Min(Math.Abs((t.Start - middle).Ticks), Math.Abs((t.End - middle).Ticks)))!.Speaker;
            return (Voice: voice, Speaker: f.GetProperty("speaker").GetString()!);
        }).ToList();
        var described = string.Join(" | ", pairs.Select(p => $"{p.Voice}→{p.Speaker}"));
        Assert.True(pairs.Select(p => p.Speaker).Distinct().Order(StringComparer.Ordinal).SequenceEqual(["spk1", "spk2"]), described);
        var speakerOf = pairs.GroupBy(p => p.Voice).ToDictionary(g => g.Key, g => g.GroupBy(p => p.Speaker).MaxBy(s => s.Count())!.Key);
        Assert.True(speakerOf["kal"] != speakerOf["slt"], $"both voices are mostly one speaker: {described}");
        var agreeing = pairs.Count(p => p.Speaker == speakerOf[p.Voice]);
        Assert.True(agreeing >= pairs.Count - 1, $"{agreeing} of {pairs.Count} finals carry their voice's speaker: {described}");

        // The session's job finds the two speakers over the whole recording.
        var job = messages[0].GetProperty("job").GetString();
        Assert.Equal("completed", (await Served.EventsAsync(job!))[^1].GetProperty("state").GetString());
        var found = ReadRttm(await Served.Client.GetStringAsync($"/api/jobs/{job}/artifacts/diarization.rttm"));
        Assert.Equal(["spk1", "spk2"], found.Select(t => t.Speaker).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnOperatorsSpeakerModel_MeasuresTheVoices_AndTheJobClustersItsVectors()
    {
        var model = Path.Combine(Folder, "speakers.onnx");
        var voices = Path.Combine(Folder, "voices");
        await MediaCluster.Testing.SpeakerEmbeddingModel.WriteAsync(model, voices);
        var conversation = await ConversationMaker.WriteAsync(
            Path.Combine(Folder, "two voices.wav"), [Voice.Available[0], Voice.Available[1]], TimeSpan.FromSeconds(70), seed: 7, overlap: 0, cache: voices);

        // A model that is not there, or not a speaker model, stops the node at its start, naming the setting.
        var data = Path.Combine(Folder, "model-node");
        var refused = await Assert.ThrowsAsync<NodeSettingsException>(() => NodeHost.BuildAsync(
            ["--Node:DataDirectory", data, "--Node:Diarization:EmbeddingModel", Path.Combine(Folder, "missing.onnx")]));
        Assert.Equal($"Node:Diarization:EmbeddingModel: speaker model 'missing.onnx' cannot be used: there is no file '{Path.Combine(Folder, "missing.onnx")}'", refused.Message);
        refused = await Assert.ThrowsAsync<NodeSettingsException>(() => NodeHost.BuildAsync(
            ["--Node:DataDirectory", data, "--Node:Diarization:EmbeddingModel", Media.NativeFiles.Find("silero_vad_v5.onnx")]));
        Assert.Equal("Node:Diarization:EmbeddingModel: speaker model 'silero_vad_v5.onnx' cannot be used: it has 3 inputs, not one", refused.Message);

        await using var node = await ServedNode.StartAsync(
            data, "--Node:Diarization:EmbeddingModel", model, "--Node:Diarization:EmbeddingThreshold", MediaCluster.Testing.SpeakerEmbeddingModel.Threshold.ToString(CultureInfo.InvariantCulture));
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(conversation.Path)), "file", "two voices.wav" } };
        using var response = await node.Client.PostAsync("/api/jobs", form);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.Equal("completed", (await node.EventsAsync(id))[^1].GetProperty("state").GetString());

        // Every segment's voice was measured by the model (journaled with its id and threshold), and the job's two speakers found.
        var results = (await MediaCluster.Testing.JournalReader.ReadSqliteAsync(Path.Combine(data, "journal"), "job-" + id))
            .Select(r => r.Decode()).OfType<MediaCluster.Messages.Jobs.SegmentTranscribed>().ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Equal(
            ("speakers.onnx", MediaCluster.Testing.SpeakerEmbeddingModel.Threshold, MediaCluster.Testing.SpeakerEmbeddingModel.Outputs),
            (r.SpeakerWindows.Model.Split(' ')[0], r.SpeakerWindows.Threshold, r.SpeakerWindows.Dimensions)));
        var found = ReadRttm(await node.Client.GetStringAsync($"/api/jobs/{id}/artifacts/diarization.rttm"));
        Assert.Equal(["spk1", "spk2"], found.Select(t => t.Speaker).Distinct().Order(StringComparer.Ordinal));
        var error = DiarizationError.Score(conversation.Turns, found);
        Assert.True(error.Rate <= 0.15, $"DER {error.Rate:P1} (missed {error.MissedSeconds:0.0} s, false alarm {error.FalseAlarmSeconds:0.0} s, confusion {error.ConfusionSeconds:0.0} s of {error.ScoredSeconds:0.0} s)");
    }

    private static List<SpeakerTurn> ReadRttm(string rttm) =>
    [
        .. rttm.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')).Select(f =>
        {
            var start = double.Parse(f[3], CultureInfo.InvariantCulture);
            return new SpeakerTurn(f[7], TimeSpan.FromSeconds(start), TimeSpan.FromSeconds(start + double.Parse(f[4], CultureInfo.InvariantCulture)));
        }),
    ];

    private static IEnumerable<string> SplitLines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l + "\n");
}
