using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;
using OpenCvSharp;

namespace MediaCluster.Node.Tests;

/// <summary>pbm's model palette against a served node: training on a server path and on uploads, listing, promoting.</summary>
public sealed class PbmModelTests : PbmTest
{
    [Fact]
    public async Task Model_TrainListShowPromote()
    {
        var folder = Path.Combine(Folder, "datasets", "movement");
        var csv = await ShotClips.WriteDatasetAsync(folder, perLabel: 4, seed: 51);

        // The folder by its path on the node (this node's uploads are limited to 4 MB; uploads are tested below).
        var (status, output, errors) = await PbmAsync("model", "train", "shot-movement", folder, "--server-path");
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        Assert.Matches("^shot-movement: training on dataset [0-9a-f]{16} queued; ", output);
        var hash = output.Split(' ')[4];

        // The list shows the version with its metrics once the run is done: promoted, or rejected for not beating the
        // default model (made at start by the node's classifiers) on the same test split — the reason says which. (A
        // version is registered as a candidate a moment before that decision is written.)
        var deadline = DateTime.UtcNow.AddMinutes(3);
        string[] row;
        do
        {
            await Task.Delay(250);
            (status, output, _) = await PbmAsync("model", "list", "shot-movement");
            row = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).FirstOrDefault(r => r[6] == hash) ?? [];
            Assert.True(DateTime.UtcNow < deadline, $"no version on dataset {hash} in 3 minutes: {output}");
        }
        while (row.Length == 0 || row[2] == "candidate");
        Assert.Equal("16", row[5]);
        Assert.True(row[2] == "promoted" ? row[8].Contains("macro-F1", StringComparison.Ordinal) : row[2] == "rejected" && row[8].Contains("does not beat v", StringComparison.Ordinal), string.Join(' ', row));

        (status, output, _) = await PbmAsync("model", "show", "shot-movement", row[1]);
        Assert.Equal(0, status);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"shot-movement v{row[1]}: {row[2]} (", lines[0]);
        Assert.Equal("TRUE\\PREDICTED\tmotion\tpull\tpush\tstatic\tPRECISION\tRECALL", lines[2]);
        Assert.Equal(4, lines.Length - 3);

        // The same data named by its CSV: trained before. The trainer lists the run.
        (status, output, _) = await PbmAsync("model", "train", "shot-movement", csv, "--server-path");
        Assert.Equal($"shot-movement: dataset {hash} was trained before, as v{row[1]}\n", output);
        (_, output, _) = await PbmAsync("model", "training");
        Assert.Contains($"shot-movement v{row[1]} on {hash}: {row[2]} (", output);

        (status, _, errors) = await PbmAsync("model", "train", "shot-movement", "/etc", "--server-path");
        Assert.Equal((1, "error: '/etc' is not inside an allowed root (Node:AllowedRoots)\n"), (status, errors));
        (status, _, errors) = await PbmAsync("model", "train", "faces", csv);
        Assert.Equal((1, "error: unknown task 'faces' (known: shot-movement, shot-scale, text)\n"), (status, errors));
        (status, output, _) = await PbmAsync("model", "promote", "shot-movement", row[1]);
        Assert.Equal((0, $"shot-movement v{row[1]} promoted\n"), (status, output));
        (status, _, errors) = await PbmAsync("model", "promote", "shot-movement", "99");
        Assert.Equal((1, "error: the registry has no shot-movement v99\n"), (status, errors));
    }

    [Fact]
    public async Task Model_UploadedDatasetsTrain_AHostileZipIsRefused()
    {
        var text = await TextSamples.WriteDatasetAsync(Path.Combine(Folder, "text"), perLabel: 30, seed: 61);
        var (status, output, errors) = await PbmAsync("model", "train", "text", text);
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        Assert.Matches("^text: training on dataset [0-9a-f]{16} queued; ", output);

        // A folder goes as a zip of itself (the node unpacks it and finds the CSV one level down).
        var pictures = Path.Combine(Folder, "scale");
        await ShotScaleImages.WriteDatasetAsync(pictures, perLabel: 3, seed: 62);
        (status, output, errors) = await PbmAsync("model", "train", "shot-scale", pictures);
        Assert.True(status == 0, $"model train of a folder exited {status}: {errors}");
        Assert.Matches("^shot-scale: training on dataset [0-9a-f]{16} queued; ", output);

        // A zip whose entry climbs out of its folder: refused, and nothing is written outside the node's datasets.
        var zip = Path.Combine(Folder, "evil.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using var entry = archive.CreateEntry("../../escaped.csv").Open();
            await entry.WriteAsync("text,label\nhello,positive\n"u8.ToArray());
        }

        (status, _, errors) = await PbmAsync("model", "train", "text", zip);
        Assert.Equal(1, status);
        Assert.StartsWith("error: 'evil.zip' is not a dataset zip the node can unpack: ", errors);
        Assert.Empty(Directory.GetFiles(Data, "escaped.csv", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(Data, "escaped.csv")) || File.Exists(Path.Combine(Folder, "escaped.csv")));
        (status, _, errors) = await PbmAsync("model", "train", "text", Path.Combine(Folder, "notes.txt"));
        Assert.Equal((1, $"error: '{Path.Combine(Folder, "notes.txt")}' does not exist (a path on the node needs --server-path)\n"), (status, errors));

        // Once the two runs have ended (recorded), their unpacked uploads are removed.
        var uploads = Path.Combine(Data, "datasets", ".uploads");
        for (var deadline = DateTime.UtcNow.AddMinutes(5); ; await Task.Delay(500))
        {
            var trainer = await Served.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/trainer");
            var left = Directory.GetDirectories(uploads).SelectMany(Directory.GetDirectories).ToList();
            if (trainer.GetProperty("recent").GetArrayLength() >= 2 && trainer.GetProperty("queued").GetInt32() == 0 && left.Count == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"uploaded datasets still unpacked 5 minutes on: {string.Join(", ", left)} (trainer: {trainer})");
        }
    }

    [Fact]
    public async Task Model_AnImageTaskOfYourOwn_TrainsACnnOnAnIdxPairOfRealFashionMnist_AndLabelsPictures()
    {
        // 3 000 training and 500 test pictures of the real FashionMNIST: the training ones split into training and
        // validation, the t10k ones the test split.
        var data = Path.Combine(Folder, "fashion");
        var (pictures, numbers) = FashionMnist.WriteSubset(data, train: 3000, test: 500);
        var labels = string.Join(',', FashionMnist.Labels);

        var (status, output, errors) = await PbmAsync("model", "task", "add", "fashion", "--kind", "image", "--labels", labels, "--epochs", "3", "--threads", "1");
        Assert.True(status == 0, $"task add exited {status}: {errors}");
        Assert.Equal("task fashion defined (image, learner cnn); train it with `pbm model train fashion PATH`\n", output);
        (status, _, errors) = await PbmAsync("model", "task", "add", "fashion", "--kind", "image");
        Assert.Equal((1, "error: a task named 'fashion' exists already\n"), (status, errors));
        (status, _, errors) = await PbmAsync("model", "task", "add", "reviews", "--kind", "text", "--learner", "cnn");
        Assert.Equal((1, "error: the cnn learner is for image tasks (use mlp-head, sdca or fasttree)\n"), (status, errors));
        (status, _, errors) = await PbmAsync("model", "task", "add", "Bad Name", "--kind", "image");
        Assert.Equal((1, "error: a task's name is 1–64 lower-case letters, digits and dashes, not 'Bad Name'\n"), (status, errors));
        (_, output, _) = await PbmAsync("model", "tasks");
        Assert.Contains($"fashion\timage\tnone\tcnn\t{string.Join(", ", FashionMnist.Labels)}\n", output);
        Assert.Contains("text\ttext (built in)\tnone\tsdca\t", output);

        var sample = Path.Combine(Folder, "sample");
        Directory.CreateDirectory(sample);
        var files = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var picture = Mat.FromPixelData(28, 28, MatType.CV_8UC1, pictures[i]);
            files.Add(Path.Combine(sample, $"test-{i:00}.png"));
            Assert.True(Cv2.ImWrite(files[^1], picture));
        }

        (status, _, errors) = await PbmAsync("model", "predict", "fashion", files[0]);
        Assert.Equal((1, "error: task fashion has no promoted model yet: train it first (pbm model train fashion PATH)\n"), (status, errors));

        (status, output, errors) = await PbmAsync("model", "train", "fashion", data);
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        Assert.Matches("^fashion: training on dataset [0-9a-f]{16} queued; ", output);
        var hash = output.Split(' ')[4];
        var deadline = DateTime.UtcNow.AddMinutes(4);
        string[] row;
        do
        {
            await Task.Delay(250);
            (_, output, _) = await PbmAsync("model", "list", "fashion");
            row = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).FirstOrDefault(r => r[6] == hash) ?? [];
            var (_, training, _) = await PbmAsync("model", "training");
            Assert.True(DateTime.UtcNow < deadline, $"no fashion version on dataset {hash} in 4 minutes: {output}\n{training}");
            Assert.False(training.Contains($"fashion on {hash}: failed", StringComparison.Ordinal), training);
        }
        while (row.Length == 0 || row[2] == "candidate");

        // Promoted as the first model; 3 500 examples (2 400 trained on, 600 validation, the 500 t10k tested on); on this
        // subset and three epochs the network reaches 0.78–0.82 test accuracy.
        Assert.Equal(("1", "promoted", "3500"), (row[1], row[2], row[5]));
        var accuracy = double.Parse(row[4], CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 0.72, $"test accuracy {accuracy} below 0.72");
        (_, output, _) = await PbmAsync("model", "show", "fashion", "1");
        Assert.Contains("\"trainer\":\"cnn\"", output, StringComparison.Ordinal);
        Assert.Contains("TRUE\\PREDICTED\tAnkle boot\tBag\tCoat\tDress\tPullover\tSandal\tShirt\tSneaker\tT-shirt/top\tTrouser\tPRECISION\tRECALL", output, StringComparison.Ordinal);

        // pbm model predict: a label and its confidence per file; --json a list of {file, label, confidence}.
        (status, output, errors) = await PbmAsync(["model", "predict", "fashion", .. files, "--json"]);
        Assert.True(status == 0, $"predict exited {status}: {errors}");
        var answers = JsonSerializer.Deserialize<JsonElement>(output).EnumerateArray().ToList();
        Assert.Equal(files.Select(Path.GetFileName), answers.Select(a => a.GetProperty("file").GetString()));
        Assert.All(answers, a => Assert.Contains(a.GetProperty("label").GetString(), FashionMnist.Labels));
        Assert.All(answers, a => Assert.InRange(a.GetProperty("confidence").GetDouble(), 0.1, 1.0));
        var right = answers.Where((a, i) => a.GetProperty("label").GetString() == FashionMnist.Labels[numbers[i]]).Count();
        Assert.True(right >= 13, $"{right} of 20 pictures labelled right: {output}");
        (status, output, _) = await PbmAsync("model", "predict", "fashion", files[0]);
        Assert.Matches("^test-00.png\t[^\t]+\t(0|1)\\.[0-9]{3}\n$", output);
        Assert.Equal(answers[0].GetProperty("label").GetString(), output.Split('\t')[1]);

        // pbm model cancel: a long run of another task on the same pictures, stopped once its training process reports;
        // the process is gone, the run is recorded as cancelled, and nothing is left to cancel.
        (status, _, errors) = await PbmAsync("model", "task", "add", "fashion-long", "--kind", "image", "--labels", labels, "--epochs", "40", "--threads", "1");
        Assert.True(status == 0, $"task add exited {status}: {errors}");
        (_, output, _) = await PbmAsync("model", "train", "fashion-long", data);
        var longHash = output.Split(' ')[4];
        deadline = DateTime.UtcNow.AddMinutes(2);
        string trainer;
        while (!(trainer = (await PbmAsync("model", "training")).Output).StartsWith($"training fashion-long on dataset {longHash}: training: epoch 1/40, step ", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the fashion-long run's training process did not report within 2 minutes: {trainer}");
            await Task.Delay(250);
        }

        Assert.Single(TrainingProcesses("fashion-long"));
        (status, output, errors) = await PbmAsync("model", "cancel", "fashion-long");
        Assert.Equal((0, $"fashion-long: cancelled the run(s) on dataset(s) {longHash}\n", string.Empty), (status, output, errors));
        deadline = DateTime.UtcNow.AddMinutes(1);
        while (!(trainer = (await PbmAsync("model", "training")).Output).Contains($"fashion-long on {longHash}: cancelled (cancelled by request)\n", StringComparison.Ordinal)
            || TrainingProcesses("fashion-long").Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the cancelled run did not end within a minute (training processes left: {TrainingProcesses("fashion-long").Count}): {trainer}");
            await Task.Delay(250);
        }

        Assert.StartsWith("idle; 0 queued\n", trainer, StringComparison.Ordinal);
        (status, _, errors) = await PbmAsync("model", "cancel", "fashion-long");
        Assert.Equal((1, "error: no run of fashion-long is running or queued\n"), (status, errors));
    }

    /// <summary>
    /// The training processes (node train-network) this node (the test process) started over a task's run folders. Only
    /// its own children count: a process the training process forks carries the same command line until it executes
    /// another (CI once saw two such pids at once).
    /// </summary>
    private static List<int> TrainingProcesses(string task) =>
        [.. Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0 && CommandLine(pid) is { } line
            && line.Contains("train-network", StringComparison.Ordinal) && line.Contains($"/.runs/{task}/", StringComparison.Ordinal)
            && ParentOf(pid) == Environment.ProcessId)];

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null; // it ended while looked at
        }
    }

    /// <summary>A process's parent from /proc/PID/stat (the field after the parenthesised name and the state), or 0 once it ended.</summary>
    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) ? parent : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task Model_ATextTaskOfYourOwn_LearnsOnMiniLmFeatures_AndLabelsSentencesInWordsItNeverSaw()
    {
        // 20 generated sentences per label (one small vocabulary), a network head over their MiniLM embeddings.
        var data = await TextSamples.WriteDatasetAsync(Path.Combine(Folder, "reviews"), perLabel: 20, seed: 71);
        var (status, output, errors) = await PbmAsync("model", "task", "add", "reviews", "--kind", "text", "--labels", "positive,negative,neutral", "--learner", "mlp-head", "--epochs", "30", "--threads", "1");
        Assert.True(status == 0, $"task add exited {status}: {errors}");
        Assert.Equal("task reviews defined (text, learner mlp-head); train it with `pbm model train reviews PATH`\n", output);
        (status, output, errors) = await PbmAsync("model", "train", "reviews", data);
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        var hash = output.Split(' ')[4];
        var deadline = DateTime.UtcNow.AddMinutes(3);
        string[] row;
        do
        {
            await Task.Delay(250);
            (_, output, _) = await PbmAsync("model", "list", "reviews");
            row = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).FirstOrDefault(r => r[6] == hash) ?? [];
            var (_, training, _) = await PbmAsync("model", "training");
            Assert.True(DateTime.UtcNow < deadline, $"no reviews version on dataset {hash} in 3 minutes: {output}\n{training}");
            Assert.False(training.Contains($"reviews on {hash}: failed", StringComparison.Ordinal), training);
        }
        while (row.Length == 0 || row[2] == "candidate");
        Assert.Equal(("1", "promoted"), (row[1], row[2]));

        // Sentences in words the dataset never used: their meaning, not their words, is what the embeddings carry.
        string[] sentences = ["I adored that film; it was magnificent and moving.", "The staff were rude and the food was disgusting.", "The train departs from platform four at 7:15."];
        var files = sentences.Select((text, i) => Path.Combine(Folder, $"sentence-{i}.txt")).ToList();
        for (var i = 0; i < files.Count; i++)
        {
            await File.WriteAllTextAsync(files[i], sentences[i]);
        }

        (status, output, errors) = await PbmAsync(["model", "predict", "reviews", .. files, "--json"]);
        Assert.True(status == 0, $"predict exited {status}: {errors}");
        var labels = JsonSerializer.Deserialize<JsonElement>(output).EnumerateArray().Select(a => a.GetProperty("label").GetString()).ToList();
        Assert.Equal(["positive", "negative", "neutral"], labels);
    }

    [Fact]
    public async Task Model_AClipTaskOfYourOwn_LearnsFromGeneratedClips_AndLabelsHeldOutOnes()
    {
        // Generated camera-movement clips (static, motion, push, pull), 6 per label, as a clip task of the user's: each
        // clip's 8 frames as ResNet-18 embeddings over time and the camera's motion, the kind's default learner over them.
        var data = Path.Combine(Folder, "datasets", "camera");
        await ShotClips.WriteDatasetAsync(data, perLabel: 6, seed: 81);
        var (status, output, errors) = await PbmAsync("model", "task", "add", "camera", "--kind", "clip", "--labels", "static,motion,push,pull");
        Assert.True(status == 0, $"task add exited {status}: {errors}");
        Assert.Equal("task camera defined (clip, learner sdca); train it with `pbm model train camera PATH`\n", output);
        (status, output, errors) = await PbmAsync("model", "train", "camera", data, "--server-path");
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        var hash = output.Split(' ')[4];
        var deadline = DateTime.UtcNow.AddMinutes(4);
        string[] row;
        do
        {
            await Task.Delay(250);
            (_, output, _) = await PbmAsync("model", "list", "camera");
            row = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).FirstOrDefault(r => r[6] == hash) ?? [];
            var (_, training, _) = await PbmAsync("model", "training");
            Assert.True(DateTime.UtcNow < deadline, $"no camera version on dataset {hash} in 4 minutes: {output}\n{training}");
            Assert.False(training.Contains($"camera on {hash}: failed", StringComparison.Ordinal), training);
        }
        while (row.Length == 0 || row[2] == "candidate");
        Assert.Equal(("1", "promoted", "24"), (row[1], row[2], row[5]));

        // Clips made with another seed, labelled by the promoted version.
        var heldOut = Path.Combine(Folder, "held-out");
        var csv = await ShotClips.WriteDatasetAsync(heldOut, perLabel: 2, seed: 82);
        var truth = (await File.ReadAllLinesAsync(csv)).Skip(1).Select(l => l.Split(',')).ToDictionary(p => Path.GetFileName(p[0]), p => p[1]);
        (status, output, errors) = await PbmAsync(["model", "predict", "camera", .. truth.Keys.Select(f => Path.Combine(heldOut, f)), "--json"]);
        Assert.True(status == 0, $"predict exited {status}: {errors}");
        var answers = JsonSerializer.Deserialize<JsonElement>(output).EnumerateArray().ToList();
        Assert.Equal(8, answers.Count);
        var right = answers.Count(a => truth[a.GetProperty("file").GetString()!] == a.GetProperty("label").GetString());
        Assert.True(right >= 5, $"{right} of 8 held-out clips labelled right: {output}");

        // A job on a video: its scenes get the promoted clip task's label beside the built-in shot tasks'; a job that
        // chose none gets only the built-in ones; a job naming a task that is not a clip task is refused.
        var video = Path.Combine(Folder, "four camera scenes.mp4");
        await ShotClips.WriteScenesAsync(video, [.. ShotMovement.Labels.Select(m => (m, TimeSpan.FromSeconds(3)))], seed: 83, width: 320, height: 180);
        foreach (var (choice, tasks) in new[] { ("all", "camera,shot-movement,shot-scale"), ("none", "shot-movement,shot-scale") })
        {
            (status, output, errors) = await PbmAsync("media", "submit", video, "--clip-tasks", choice, "--wait");
            Assert.True(status == 0, $"submit --clip-tasks {choice} exited {status}: {errors}{output}");
            var id = output.Split('\n')[0].Split(' ')[1];
            var scenes = JsonDocument.Parse(await Served.Client.GetStringAsync($"/api/jobs/{id}/artifacts/scenes.json")).RootElement.GetProperty("scenes").EnumerateArray().ToList();
            Assert.Equal(4, scenes.Count);
            Assert.All(scenes, scene => Assert.Equal(tasks, string.Join(',', scene.GetProperty("labels").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal))));
            if (choice == "all")
            {
                Assert.All(scenes, scene => Assert.Equal(1, scene.GetProperty("labels").GetProperty("camera").GetProperty("model_version").GetInt32()));
                Assert.All(scenes, scene => Assert.Contains(scene.GetProperty("labels").GetProperty("camera").GetProperty("label").GetString(), ShotMovement.Labels));
            }
        }

        (status, _, errors) = await PbmAsync("media", "submit", video, "--clip-tasks", "camera,text");
        Assert.Equal((1, "error: 'text' in clip_tasks is not a clip task (clip tasks: camera)\n"), (status, errors));
    }
}
