using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using MediaCluster.Bench;
using MediaCluster.Media.Learning;
using MediaCluster.Media.Reports;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Summarize;

// ./mc bench summary: the extractive summary two ways over the same documents — TextRank over shared content words
// (the baseline) and MiniLM sentence embeddings (each utterance ranked by its similarity to the document's mean
// embedding, redundancy as embedding similarity), both with the same selection (maximal marginal relevance, near
// repeats skipped, the same word budget). Documents: the LibriVox reference text (5 sentences of Sense and
// Sensibility), the demo's transcript (the node's `process` on the demo's 60-second sample, pocketsphinx's words,
// errors included), and a long written text with no recognition errors (the GPL-3 from Debian's base-files). Prints
// each summary, its words, how close its mean embedding is to the document's (coverage), how alike its sentences are
// (redundancy: mean pairwise cosine) and the time each method took (MiniLM's includes embedding every utterance), and
// the resident memory that loading MiniLM adds.
var root = BenchTools.Root();
var work = BenchTools.FreshWorkFolder("summary");
// What loading MiniLM costs the process that makes summaries (a jobs node): resident memory before and after.
GC.Collect();
var before = Environment.WorkingSet / 1048576.0;
var embedder = SentenceEmbedder.Default;
embedder.Embed("warm up");
BenchTools.Print("minilm_load_rss_mb", (Environment.WorkingSet / 1048576.0) - before);
var documents = new List<(string Name, IReadOnlyList<string> Utterances)>
{
    ("librivox", [.. SpeechSampleMaker.LibriVoxClips().Select(c => c.Text)]),
    ("demo", await DemoTranscriptAsync()),
    ("gpl3", Sentences(await File.ReadAllTextAsync("/usr/share/common-licenses/GPL-3"))),
};

foreach (var (name, utterances) in documents)
{
    Console.WriteLine($"# {name}: {utterances.Count} utterances, {utterances.Sum(u => u.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)} words");
    var watch = Stopwatch.StartNew();
    var textRank = TextRank.Summarize(utterances);
    var textRankSeconds = watch.Elapsed.TotalSeconds;

    watch.Restart();
    var embeddings = utterances.Select(embedder.Embed).ToList();
    var miniLm = TextRank.Summarize(utterances, embeddings: embeddings);
    var miniLmSeconds = watch.Elapsed.TotalSeconds;
    var centroid = Mean(embeddings);

    foreach (var (method, summary, seconds) in new[] { ("textrank", textRank, textRankSeconds), ("minilm", miniLm, miniLmSeconds) })
    {
        var chosen = summary.Selected.Select(i => embeddings[i]).ToList();
        Console.WriteLine($"# {name} {method}: {string.Join(" | ", summary.Points.Select(p => p.Sentence))}");
        BenchTools.Print($"{name}_{method}_words", summary.Points.Sum(p => p.Sentence.Split(' ').Length));
        BenchTools.Print($"{name}_{method}_coverage", TensorPrimitives.CosineSimilarity(Mean(chosen), centroid));
        BenchTools.Print($"{name}_{method}_redundancy", Redundancy(chosen));
        BenchTools.Print($"{name}_{method}_seconds", seconds);
    }

    BenchTools.Print($"{name}_same_sentences", textRank.Selected.Intersect(miniLm.Selected).Count());
}

static float[] Mean(IReadOnlyList<float[]> vectors)
{
    var mean = new float[SentenceEmbedder.Dimensions];
    foreach (var v in vectors)
    {
        TensorPrimitives.Add(mean, v, mean);
    }

    return mean;
}

static double Redundancy(IReadOnlyList<float[]> chosen)
{
    var pairs = new List<double>();
    for (var i = 0; i < chosen.Count; i++)
    {
        for (var j = i + 1; j < chosen.Count; j++)
        {
            pairs.Add(TensorPrimitives.CosineSimilarity(chosen[i], chosen[j]));
        }
    }

    return pairs.Count == 0 ? 0 : pairs.Average();
}

// A written text as sentences: whitespace collapsed, split after a full stop, question or exclamation mark; headings and
// fragments under five words left out.
static List<string> Sentences(string text) =>
    [.. Regex.Split(Regex.Replace(text, @"\s+", " "), @"(?<=[.?!])\s+(?=[A-Z""])").Select(s => s.Trim()).Where(s => s.Split(' ').Length >= 5)];

// The demo's transcript: the node's `process` on the 60-second LibriVox sample the demo makes.
async Task<IReadOnlyList<string>> DemoTranscriptAsync()
{
    var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(work, "demo.wav"), TimeSpan.FromSeconds(60));
    var output = Path.Combine(work, "demo");
    var node = Path.Combine(root, "src", "Node", "bin", "Release", "net10.0", "MediaCluster.Node.dll");
    Console.Error.WriteLine("# transcribing the demo's sample with the node (process)");
    await BenchTools.RunAsync("dotnet", [node, "process", sample.Path, "--out", output]);
    var transcript = TranscriptFormats.ParseJson(await File.ReadAllTextAsync(Path.Combine(output, "transcript.json")));
    return [.. transcript.Segments.Select(s => s.Text).Where(t => t.Length > 0)];
}
