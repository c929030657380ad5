using MediaCluster.Media.Diarization;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Media.Tests;

/// <summary>
/// An operator's speaker-embedding model in ONNX Runtime (<see cref="SpeakerEmbeddingModel"/>: made of standard
/// operators, as no trained one can be obtained here), the clustering of its vectors by cosine distance, and the
/// models that are refused.
/// </summary>
public sealed class SpeakerEmbedderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mc-speaker-model-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task AnOnnxSpeakerModel_GivesAVectorPerWindow_AndItsClustersTellTwoVoicesApart()
    {
        var path = Path.Combine(_folder, "speakers.onnx");
        var cache = Path.Combine(_folder, "voices");
        Directory.CreateDirectory(cache);
        await SpeakerEmbeddingModel.WriteAsync(path, cache);
        using var model = new SpeakerEmbedder(path, SpeakerEmbeddingModel.Threshold, Onnx.InferenceDevice.Cpu);
        Assert.StartsWith("speakers.onnx ", model.Id, StringComparison.Ordinal);
        Assert.Equal(12 + "speakers.onnx ".Length, model.Id.Length);

        var conversation = await ConversationMaker.WriteAsync(
            Path.Combine(_folder, "two voices.wav"), [Voice.Available[0], Voice.Available[1]], TimeSpan.FromSeconds(70), seed: 7, overlap: 0, cache: cache);
        var samples = (await AudioDecoder.DecodeAsync(conversation.Path).ToListAsync()).SelectMany(c => c.Samples).ToArray();
        var voice = new VoiceModel(model.Id, model.Threshold);
        var segments = conversation.Turns.Select(turn =>
        {
            var (from, to) = ((int)(turn.Start.TotalSeconds * 16_000), Math.Min(samples.Length, (int)(turn.End.TotalSeconds * 16_000)));
            var windows = model.Embed(samples.AsSpan(from, to - from));

            // The same windows as the MFCC statistics (a segment under 1.5 s: one window, run alone), a vector each.
            Assert.Equal(SpeakerFeatures.OfPcm16(samples.AsSpan(from, to - from)).Select(w => w.FirstFrame), windows.Select(w => w.FirstFrame));
            Assert.All(windows, w => Assert.Equal(SpeakerEmbeddingModel.Outputs, w.Vector.Length));
            return new SegmentVoice(turn.Start, turn.End, windows, voice);
        }).ToList();

        // Found, and told: two speakers in the made turns (segments cut at the turns: only the clustering is judged).
        foreach (var count in new[] { new SpeakerCount(), new SpeakerCount(Count: 2) })
        {
            var turns = Diarizer.Diarize(segments, count);
            var error = DiarizationError.Score(conversation.Turns, turns);
            Assert.Equal(["spk1", "spk2"], turns.Select(t => t.Speaker).Distinct().Order(StringComparer.Ordinal));
            Assert.True(error.Rate <= 0.02, $"{count}: DER {error.Rate:P1}");
            Assert.Equal("kal", error.Mapping["spk1"]);
        }

        // Too far apart for one threshold, the two voices are one at a looser one; told one, one.
        Assert.Single(Diarizer.Diarize([.. segments.Select(s => s with { Model = voice with { Threshold = 0.5 } })], new SpeakerCount()).Select(t => t.Speaker).Distinct());
        Assert.Single(Diarizer.Diarize(segments, new SpeakerCount(Count: 1)).Select(t => t.Speaker).Distinct());

        // A job whose segments were measured two ways (gpu nodes set up differently) uses the kind most segments carry;
        // the others take the nearest speaker's turn.
        var mixed = segments.Select((s, i) => i % 4 == 3 ? s with { Windows = SpeakerFeatures.OfPcm16(samples.AsSpan((int)(s.Start.TotalSeconds * 16_000), 16_000)), Model = null } : s).ToList();
        var mixedTurns = Diarizer.Diarize(mixed, new SpeakerCount());
        Assert.Equal(["spk1", "spk2"], mixedTurns.Select(t => t.Speaker).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(conversation.Turns.Count, mixedTurns.Count(t => conversation.Turns.Any(c => c.Start == t.Start)));
    }

    [Fact]
    public void ModelsThatAreNotSpeakerModels_AreRefused_SayingWhy()
    {
        var missing = Assert.Throws<MediaException>(() => new SpeakerEmbedder(Path.Combine(_folder, "none.onnx"), 0.5));
        Assert.Equal($"speaker model 'none.onnx' cannot be used: there is no file '{Path.Combine(_folder, "none.onnx")}'", missing.Message);

        var vad = Assert.Throws<MediaException>(() => new SpeakerEmbedder(NativeFiles.Find("silero_vad_v5.onnx"), 0.5, Onnx.InferenceDevice.Cpu));
        Assert.Equal("speaker model 'silero_vad_v5.onnx' cannot be used: it has 3 inputs, not one", vad.Message);

        var image = Assert.Throws<MediaException>(() => new SpeakerEmbedder(NativeFiles.Find("ResNet18.onnx"), 0.5, Onnx.InferenceDevice.Cpu));
        Assert.StartsWith("speaker model 'ResNet18.onnx' cannot be used: its input '", image.Message, StringComparison.Ordinal);
        Assert.Matches(@"'[^']+' is Single \[-?1, 3, 224, 224\], not float \[batch, samples\]$", image.Message);

        var notOnnx = Path.Combine(_folder, "text.onnx");
        File.WriteAllText(notOnnx, "not a model");
        Assert.StartsWith("ONNX model 'text.onnx' could not be loaded: ", Assert.Throws<MediaException>(() => new SpeakerEmbedder(notOnnx, 0.5, Onnx.InferenceDevice.Cpu)).Message, StringComparison.Ordinal);

        var model = Path.Combine(_folder, "speakers.onnx");
        File.WriteAllBytes(model, SpeakerEmbeddingModel.Build());
        Assert.All(new[] { 0, -1, 2.5, double.NaN }, threshold => Assert.Throws<ArgumentOutOfRangeException>(() => new SpeakerEmbedder(model, threshold)));
    }

    [Fact]
    public void CosineClustering_CountsOnlyClustersBigEnoughAsSpeakers()
    {
        // Pieces of two directions (x, y), each 4 windows, and one odd 1-window piece (z) between them in time.
        float[] x = [1, 0.1f, 0], y = [0.1f, 1, 0], z = [0, 0, 1];
        IReadOnlyList<float[]> Piece(float[] v, int windows = 4) => [.. Enumerable.Repeat(v, windows)];
        IReadOnlyList<float[]>[] pieces = [Piece(x), Piece(y), Piece(x), Piece(z, 1), Piece(y), Piece(x), Piece(y), []];

        // Found: x and y; the odd piece to the nearer (all equally far here: the first), the empty one as the one before.
        Assert.Equal([0, 1, 0, 0, 1, 0, 1, 1], EmbeddingClustering.Cluster(pieces, null, 1, 10, 0.5));

        // Told two: x and y still (the odd piece does not stay apart while the two voices merge); told one, or at most one: one.
        Assert.Equal([0, 1, 0, 0, 1, 0, 1, 1], EmbeddingClustering.Cluster(pieces, 2, 1, 10, 0.5));
        Assert.Equal(new int[8], EmbeddingClustering.Cluster(pieces, 1, 1, 10, 0.5));
        Assert.Equal(new int[8], EmbeddingClustering.Cluster(pieces, null, 1, 1, 0.5));

        // A threshold looser than the voices' distance (1 − cos ≈ 0.8): one; no pieces with windows: all 0.
        Assert.Equal(new int[8], EmbeddingClustering.Cluster(pieces, null, 1, 10, 1.5));
        Assert.Equal(new int[2], EmbeddingClustering.Cluster([[], []], null, 1, 10, 0.5));
    }
}
