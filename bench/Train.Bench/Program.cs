using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Bench;
using MediaCluster.Testing;

// ./mc bench train: the real FashionMNIST (Debian's dataset-fashion-mnist: 60 000 training pictures — 48 000 trained
// on, 12 000 validation — and the official 10 000 test ones) through the trainer of a node process, the same code a
// user's `pbm model train` runs: one fresh node per learner (cnn, lightgbm, sdca), each defining an image task and
// training it on the dataset's folder. Prints each learner's test accuracy and macro-F1 (on the official test set),
// its training time (reading the dataset through the end of training, evaluation not counted), the node's peak
// memory and, for the cnn, its training process's; and seed 004's published figures beside them. The ML.NET learners
// are the baselines measured in the same run. Options: --learners cnn,lightgbm,sdca; --epochs N (cnn, default 8).
AppDomain.CurrentDomain.ProcessExit += (_, _) => NodeProcess.KillAll();
var learners = (Option("--learners") ?? "cnn,lightgbm,sdca").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var epochs = int.Parse(Option("--epochs") ?? "8", CultureInfo.InvariantCulture);
var root = BenchTools.Root();
var work = BenchTools.FreshWorkFolder("train");
var nodeDll = Path.Combine(root, "src", "Node", "bin", "Release", "net10.0", "MediaCluster.Node.dll");
var results = new Dictionary<string, (double Accuracy, double MacroF1, double Seconds, double NodeRss, double? ProcessRss)>();
foreach (var learner in learners)
{
    object config = learner switch
    {
        "cnn" => new { trainer = "cnn", epochs, threads = Environment.ProcessorCount },
        "lightgbm" => new { trainer = "lightgbm", iterations = 100, threads = Environment.ProcessorCount },
        "sdca" => new { trainer = "sdca", iterations = 100 },
        _ => throw new ArgumentException($"unknown learner '{learner}' (cnn, lightgbm, sdca)"),
    };
    Console.Error.WriteLine($"# {learner}: a node trains it on {FashionMnist.Folder} ({JsonSerializer.Serialize(config)})");
    var node = await NodeProcess.StartAsync(nodeDll, Path.Combine(work, learner), ["--Node:AllowedRoots:0", Path.GetDirectoryName(FashionMnist.Folder)!], requestTimeout: TimeSpan.FromMinutes(5));
    try
    {
        var task = $"fashion-{learner}";
        using (var defined = await node.Client.PostAsJsonAsync("api/models/tasks", new { name = task, kind = "image", labels = FashionMnist.Labels, config }))
        {
            Require(defined.IsSuccessStatusCode, await defined.Content.ReadAsStringAsync());
        }

        using (var queued = await node.Operator.PostAsJsonAsync($"api/models/{task}/train", new { paths = new[] { FashionMnist.Folder } }))
        {
            Require(queued.IsSuccessStatusCode, await queued.Content.ReadAsStringAsync());
        }

        var deadline = DateTime.UtcNow.AddMinutes(40);
        var phase = string.Empty;
        while (true)
        {
            await Task.Delay(1000);
            var versions = await node.Client.GetFromJsonAsync<JsonElement>($"api/models?task={task}");
            if (versions.GetArrayLength() > 0 && versions[0].GetProperty("status").GetString() != "candidate")
            {
                break;
            }

            var trainer = await node.Client.GetFromJsonAsync<JsonElement>("api/trainer");
            foreach (var run in trainer.GetProperty("recent").EnumerateArray().Where(r => r.GetProperty("status").GetString() == "failed"))
            {
                throw new InvalidOperationException($"{learner}: the run failed: {run.GetProperty("reason").GetString()}");
            }

            if (trainer.GetProperty("phase").GetString() is { } now && now != phase)
            {
                Console.Error.WriteLine($"#   {now}");
                phase = now;
            }

            Require(DateTime.UtcNow < deadline, $"{learner}: no version within 40 minutes");
        }

        var detail = await node.Client.GetFromJsonAsync<JsonElement>($"api/models/{task}/1");
        var metrics = detail.GetProperty("metrics");
        var test = metrics.GetProperty("test");
        Require(test.GetProperty("examples").GetInt32() == 10_000, $"{learner}: tested on {test.GetProperty("examples").GetInt32()} examples, not the official 10 000");
        results[learner] = (
            test.GetProperty("accuracy").GetDouble(),
            test.GetProperty("macro_f1").GetDouble(),
            metrics.GetProperty("train_seconds").GetDouble(),
            BenchTools.HighWaterMarkMb(node.Pid),
            metrics.TryGetProperty("training_process_peak_rss_mb", out var rss) && rss.ValueKind == JsonValueKind.Number ? rss.GetDouble() : null);
    }
    finally
    {
        node.Kill();
    }
}

foreach (var (learner, r) in results)
{
    BenchTools.Print($"fashion_mnist_test_accuracy_{learner}", r.Accuracy);
    BenchTools.Print($"fashion_mnist_test_macro_f1_{learner}", r.MacroF1);
    BenchTools.Print($"fashion_mnist_train_seconds_{learner}", r.Seconds);
    BenchTools.Print($"node_peak_rss_mb_{learner}", r.NodeRss);
    if (r.ProcessRss is { } process)
    {
        BenchTools.Print($"training_process_peak_rss_mb_{learner}", process);
    }
}

// Seed 004's CNN as its authors published it (the anchor the issue names), and the cnn against it and the baselines.
BenchTools.Print("seed004_test_accuracy", 0.7992);
BenchTools.Print("seed004_test_macro_f1", 0.7956);
if (results.TryGetValue("cnn", out var cnn))
{
    BenchTools.Print("cnn_accuracy_vs_seed004", cnn.Accuracy / 0.7992);
    foreach (var baseline in results.Keys.Where(k => k != "cnn"))
    {
        BenchTools.Print($"cnn_accuracy_vs_{baseline}", cnn.Accuracy / results[baseline].Accuracy);
        BenchTools.Print($"cnn_train_seconds_vs_{baseline}", cnn.Seconds / results[baseline].Seconds);
    }
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

static void Require(bool condition, string why)
{
    if (!condition)
    {
        throw new InvalidOperationException(why);
    }
}
