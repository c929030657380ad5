using System.Diagnostics;
using System.Globalization;
using MediaCluster.Bench;
using MediaCluster.Media.Learning;
using MediaCluster.Media.Samples;
using MediaCluster.Media.Video;

// ./mc bench scenes: a generated video of 30 shots (each held, panned, pushed in or pulled out, 2–6 s, each over
// another picture) with known cuts. The jobs' one pass over a video (ffmpeg's scene score on frames downscaled to 320
// wide, the shortest scene 1 s, and every scene's frames) beside ffmpeg's bare select=gt(scene,0.3) pass on the full
// frames, in the same run: precision and recall of cuts within 0.5 s, and speed as × real time. Then the movement
// classifiers: one training run of each learner per task (movement: motion features; scale: ResNet-18 embeddings) on
// the generated default dataset (its time, and accuracy / macro-F1 on held-out data of other seeds), and the video's
// scenes labelled by the default learner (movement checked against what each shot was made as; both tasks timed).
// The movement learners are also scored on clips made differently from the training generator (other ffmpeg
// sources, eased camera paths, a hand-held static: NeuralHeads.WriteOtherMadeAsync), and the movement task's heads
// over clip features — a network (mlp-head) and sdca, trained by a node process — on both sets (NeuralHeads).
// Last, the whole video job on an embedded node against one bare `ffmpeg -f null` decode of the file.
var work = BenchTools.FreshWorkFolder("scenes");
var random = new Random(5);
var shots = Enumerable.Range(0, 30).Select(i => (ShotMovement.Labels[random.Next(4)], TimeSpan.FromSeconds(Math.Round(2 + (random.NextDouble() * 4), 1)))).ToList();
var video = Path.Combine(work, "shots.mp4");
var made = await ShotClips.WriteScenesAsync(video, shots, seed: 9, width: 1280, height: 720);
var duration = made[^1].End;
var truth = made.Skip(1).Select(m => m.Start).ToList();
Console.Error.WriteLine($"# {made.Count} shots, {duration.TotalSeconds:0.0} s at 1280x720, {truth.Count} cuts");

var watch = Stopwatch.StartNew();
var sceneFrames = new List<SceneFrames>();
var scenes = await VideoScan.RunAsync(video, duration, new SceneOptions(), scene =>
{
    sceneFrames.Add(scene);
    return Task.CompletedTask;
});
var ours = watch.Elapsed.TotalSeconds;
var (precision, recall) = Score([.. scenes.Skip(1).Select(s => s.Start)], truth);

watch.Restart();
var (bare, _) = await BenchTools.RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-i", video, "-an", "-vf", "select='gt(scene,0.3)',metadata=print:file=-", "-f", "null", "-"]);
var baseline = watch.Elapsed.TotalSeconds;
var baselineCuts = bare.Split('\n').Where(l => l.Contains("pts_time:", StringComparison.Ordinal))
    .Select(l => TimeSpan.FromSeconds(double.Parse(l[(l.IndexOf("pts_time:", StringComparison.Ordinal) + 9)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))).ToList();
var (baselinePrecision, baselineRecall) = Score(baselineCuts, truth);

BenchTools.Print("cuts", truth.Count);
BenchTools.Print("cut_precision", precision);
BenchTools.Print("cut_recall", recall);
BenchTools.Print("cut_speed_x_realtime", duration.TotalSeconds / ours);
BenchTools.Print("baseline_ffmpeg_select_precision", baselinePrecision);
BenchTools.Print("baseline_ffmpeg_select_recall", baselineRecall);
BenchTools.Print("baseline_ffmpeg_select_speed_x_realtime", duration.TotalSeconds / baseline);
BenchTools.Print("cut_speed_vs_baseline", baseline / ours);

// Classifiers, per task: features of the generated default set and of held-out data (other seeds), then each learner.
using var embedder = new ImageEmbedder();
var movement = new MovementTask();
ShotTask[] tasks = [movement, new ScaleTask(() => embedder)];
var chosen = new Dictionary<string, Classifier>();
(string Train, string HeldOut, string OtherMade)? movementSets = null;
foreach (var task in tasks)
{
    watch.Restart();
    var trainCsv = await task.DefaultDatasetAsync(Path.Combine(work, "cache"));
    var heldOutCsv = task == movement
        ? await ShotClips.WriteDatasetAsync(Path.Combine(work, "held-out-movement"), perLabel: 8, seed: 77)
        : await ShotScaleImages.WriteDatasetAsync(Path.Combine(work, "held-out-scale"), perLabel: 8, seed: 77);
    BenchTools.Print($"{task.Name}_dataset_generation_seconds", watch.Elapsed.TotalSeconds);
    watch.Restart();
    var train = await Datasets.ExamplesAsync(task, [trainCsv]);
    var heldOut = await Datasets.ExamplesAsync(task, [heldOutCsv]);
    IReadOnlyList<LabelledExample>? otherMade = null;
    if (task == movement)
    {
        movementSets = (trainCsv, heldOutCsv, await NeuralHeads.WriteOtherMadeAsync(Path.Combine(work, "other-made-movement"), perLabel: 8, seed: 78));
        otherMade = await Datasets.ExamplesAsync(task, [movementSets.Value.OtherMade]);
    }

    BenchTools.Print($"{task.Name}_features_seconds_per_example", watch.Elapsed.TotalSeconds / (train.Count + heldOut.Count));
    var labels = task.Labels.Order(StringComparer.Ordinal).ToList();
    foreach (var config in new[] { new ClassifierConfig(), new ClassifierConfig { Trainer = "fasttree" } })
    {
        watch.Restart();
        var result = Training.Run(train, config);
        var seconds = watch.Elapsed.TotalSeconds;
        var metrics = ClassifierMetrics.Of(result.Classifier, heldOut, labels);
        BenchTools.Print($"{task.Name}_{config.Trainer}_training_seconds", seconds);
        BenchTools.Print($"{task.Name}_{config.Trainer}_heldout_accuracy", metrics.Accuracy);
        BenchTools.Print($"{task.Name}_{config.Trainer}_heldout_macro_f1", metrics.MacroF1);
        if (otherMade is not null)
        {
            BenchTools.Print($"{task.Name}_{config.Trainer}_othermade_accuracy", ClassifierMetrics.Of(result.Classifier, otherMade, labels).Accuracy);
        }

        if (!chosen.ContainsKey(task.Name))
        {
            chosen[task.Name] = result.Classifier;
        }
    }
}

// The video's scenes labelled as jobs label them (the default learner): movement against what each shot was made as.
watch.Restart();
var correct = 0;
foreach (var (scene, frames) in sceneFrames)
{
    var madeAs = made.First(m => m.End > scene.Start + TimeSpan.FromSeconds(0.5)).Movement;
    correct += chosen[movement.Name].Predict(movement.SceneFeatures(frames)).Label == madeAs ? 1 : 0;
    _ = chosen[ScaleTask.TaskName].Predict(tasks[1].SceneFeatures(frames));
}

BenchTools.Print("scene_movement_label_accuracy", correct / (double)scenes.Count);
BenchTools.Print("scene_labelling_seconds_per_scene", watch.Elapsed.TotalSeconds / scenes.Count);

// The movement task's heads over clip features (ResNet-18 embeddings and motion): a network and sdca, through a node.
AppDomain.CurrentDomain.ProcessExit += (_, _) => MediaCluster.Testing.NodeProcess.KillAll();
await NeuralHeads.MeasureAsync(work, movementSets!.Value.Train, movementSets.Value.HeldOut, movementSets.Value.OtherMade);
await VideoJob.MeasureAsync(video, work);

// A detected cut matches a true one within 0.5 s (each true cut matched once).
static (double Precision, double Recall) Score(IReadOnlyList<TimeSpan> found, IReadOnlyList<TimeSpan> truth)
{
    var unmatched = truth.ToList();
    var hits = 0;
    foreach (var cut in found)
    {
        var match = unmatched.Where(t => (t - cut).Duration() <= TimeSpan.FromSeconds(0.5)).OrderBy(t => (t - cut).Duration()).Cast<TimeSpan?>().FirstOrDefault();
        if (match is { } m)
        {
            unmatched.Remove(m);
            hits++;
        }
    }

    return (found.Count == 0 ? 0 : hits / (double)found.Count, truth.Count == 0 ? 1 : hits / (double)truth.Count);
}
