using System.CommandLine;

namespace MediaCluster.Cli;

/// <summary>The "model" palette: the classifiers behind scene and text labels, trained by the cluster.</summary>
internal static class ModelCommands
{
    public static Command Create(PbmCli cli) => new("model", "the classifiers behind scene and text labels, trained by the cluster")
    {
        List(cli), Show(cli), Train(cli), Training(cli), Cancel(cli), Promote(cli), TaskCommand(cli), Tasks(cli), Predict(cli),
    };

    private static Command TaskCommand(PbmCli cli)
    {
        var name = new Argument<string>("NAME") { Description = "the task's name: lower-case letters, digits and dashes" };
        var kind = new Option<string>("--kind") { Description = "image (pictures: IDX pairs or a labels CSV of picture files), clip (a labels CSV of short clips) or text (a text,label CSV)", Required = true };
        var labels = new Option<string?>("--labels") { Description = "the labels, comma-separated, in order: an IDX dataset's numbers 0, 1, … name them" };
        var size = new Option<int?>("--size") { Description = "image tasks: the side of the square pictures the network sees (default 28)" };
        var learner = new Option<string?>("--learner") { Description = "cnn (image default), sdca (clip and text default), mlp-head, fasttree or lightgbm" };
        var epochs = new Option<int?>("--epochs") { Description = "networks: passes over the training split (default 8)" };
        var batch = new Option<int?>("--batch-size") { Description = "networks: examples per step (default 64)" };
        var rate = new Option<double?>("--learning-rate") { Description = "networks: Adam's learning rate (default 0.001)" };
        var seed = new Option<int?>("--seed") { Description = "the seed of the split and the learner (default 7): one seed, one model on one thread count" };
        var threads = new Option<int?>("--threads") { Description = "networks: threads libtorch computes on (default 2)" };
        var add = new Command("add", "define a task to train and predict with: its kind, labels and learner") { name, kind, labels, size, learner, epochs, batch, rate, seed, threads };
        add.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () =>
        {
            var config = new Dictionary<string, object>();
            void Set(string key, object? value)
            {
                if (value is not null)
                {
                    config[key] = value;
                }
            }

            var kindValue = parse.GetValue(kind)!;
            Set("trainer", parse.GetValue(learner));
            Set("epochs", parse.GetValue(epochs));
            Set("batch_size", parse.GetValue(batch));
            Set("learning_rate", parse.GetValue(rate));
            Set("seed", parse.GetValue(seed));
            Set("threads", parse.GetValue(threads));
            var names = parse.GetValue(labels) is { } given ? given.Split(',', StringSplitOptions.TrimEntries) : [];
            var task = await client.DefineTaskAsync(
                new TaskRequest(parse.GetValue(name), kindValue, names, parse.GetValue(size), config.Count == 0 ? null : System.Text.Json.JsonSerializer.SerializeToElement(config)), ct);
            reporter.Said($"task {task.Name} defined ({task.Kind}, learner {task.Config.GetProperty("trainer").GetString()}); train it with `pbm model train {task.Name} PATH`");
        }), ct));
        return new Command("task", "define tasks of your own") { add };
    }

    private static Command Tasks(PbmCli cli)
    {
        var tasks = new Command("tasks", "every task: built in and defined, its kind, learner, labels and promoted version");
        tasks.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () => reporter.Tasks(await client.TasksAsync(ct))), ct));
        return tasks;
    }

    private static Command Predict(PbmCli cli)
    {
        var task = Task();
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "pictures (image tasks), text files (text tasks), clips or pictures (scene tasks)" };
        var predict = new Command("predict", "label files with TASK's promoted model: the label and its confidence per file (--json: a list of {file, label, confidence})") { task, files };
        predict.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () =>
        {
            var paths = parse.GetValue(files)!;
            if (paths.FirstOrDefault(p => !File.Exists(p)) is { } missing)
            {
                throw new NodeApiException($"'{missing}' does not exist");
            }

            var answers = new List<PredictionInfo>();
            foreach (var chunk in paths.Chunk(64))
            {
                answers.AddRange(await client.PredictAsync(parse.GetValue(task)!, chunk, ct));
            }

            reporter.Predictions(answers);
        }), ct));
        return predict;
    }

    private static Command List(PbmCli cli)
    {
        var task = new Argument<string?>("TASK") { Arity = ArgumentArity.ZeroOrOne, Description = "one task (shot-movement, shot-scale, text)" };
        var list = new Command("list", "versions with their test macro-F1 and accuracy, status and why") { task };
        list.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () => reporter.Models(await client.ModelsAsync(parse.GetValue(task), ct))), ct));
        return list;
    }

    private static Command Show(PbmCli cli)
    {
        var (task, version) = (Task(), Version());
        var show = new Command("show", "one version: metrics, config, the confusion matrix of its test split") { task, version };
        show.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            PbmCli.ShowAsync(async () => reporter.Model(await client.ModelAsync(parse.GetValue(task)!, parse.GetValue(version), ct))), ct));
        return show;
    }

    private static Command Train(PbmCli cli)
    {
        var task = Task();
        var paths = new Argument<string[]>("PATH") { Arity = ArgumentArity.OneOrMore, Description = "a labels CSV, a MovieShots JSON folder, or a folder of labels CSVs and the clips they name" };
        var serverPath = new Option<bool>("--server-path") { Description = "PATH… as the node sees them (inside its allowed roots) instead of an upload (a folder goes as a zip)" };
        var train = new Command("train", "train TASK on a dataset; the version is promoted if it beats the current one on its test split") { task, paths, serverPath };
        train.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            TrainAsync(client, reporter, parse.GetValue(task)!, parse.GetValue(paths)!, parse.GetValue(serverPath), ct), ct));
        return train;
    }

    private static Command Training(PbmCli cli)
    {
        var training = new Command("training", "what the trainer is doing (task, phase, queue) and its latest runs");
        training.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () => reporter.Trainer(await client.TrainerAsync(ct))), ct));
        return training;
    }

    private static Command Cancel(PbmCli cli)
    {
        var task = Task();
        var cancel = new Command("cancel", "stop TASK's running training run and drop its queued ones (no version is made; the datasets may be trained again)") { task };
        cancel.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            PbmCli.ShowAsync(async () => reporter.Said(await client.CancelTrainingAsync(parse.GetValue(task)!, ct))), ct));
        return cancel;
    }

    private static Command Promote(PbmCli cli)
    {
        var (task, version) = (Task(), Version());
        var promote = new Command("promote", "make VERSION the one every classifier uses (rollback)") { task, version };
        promote.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            PbmCli.ShowAsync(async () => reporter.Said(await client.PromoteAsync(parse.GetValue(task)!, parse.GetValue(version), ct))), ct));
        return promote;
    }

    private static Argument<string> Task() => new("TASK") { Description = "shot-movement, shot-scale, text, or a task you defined (pbm model tasks)" };

    private static Argument<int> Version() => new("VERSION") { Description = "a registered version's number" };

    private static async Task<int> TrainAsync(NodeClient client, Reporter reporter, string task, string[] paths, bool serverPaths, CancellationToken ct)
    {
        TrainResponse answer;
        if (serverPaths)
        {
            // Relative paths are meant from here; the node checks them against its own allowed roots.
            answer = await client.TrainAsync(task, [.. paths.Select(Path.GetFullPath)], ct);
        }
        else if (paths is not [var path])
        {
            throw new NodeApiException("upload one dataset at a time (a CSV, a zip, or a folder); several server-side paths need --server-path");
        }
        else
        {
            answer = await UploadAsync(client, task, path, ct);
        }

        reporter.Said(answer.AlreadyTrained
            ? $"{task}: dataset {answer.DatasetHash} was trained before, as v{answer.Version}"
            : $"{task}: training on dataset {answer.DatasetHash} queued; `pbm model list {task}` shows the version when it is done");
        return 0;
    }

    /// <summary>A dataset file as it is, or a folder as a zip.</summary>
    private static async Task<TrainResponse> UploadAsync(NodeClient client, string task, string path, CancellationToken ct)
    {
        if (File.Exists(path))
        {
            return await client.UploadDatasetAsync(task, path, Path.GetFileName(path), ct);
        }

        if (!Directory.Exists(path))
        {
            throw new NodeApiException($"'{path}' does not exist (a path on the node needs --server-path)");
        }

        var zip = Path.Combine(Path.GetTempPath(), $"pbm-dataset-{Guid.NewGuid():N}.zip");
        try
        {
            System.IO.Compression.ZipFile.CreateFromDirectory(path, zip);
            return await client.UploadDatasetAsync(task, zip, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))) + ".zip", ct);
        }
        finally
        {
            File.Delete(zip);
        }
    }
}
