using System.Text.Json;
using Spectre.Console;

namespace MediaCluster.Cli;

/// <summary>
/// pbm: <c>pbm [OPTIONS] media COMMAND …</c>, a client of a node's management endpoint. Exit status: 0 success,
/// 1 the node refused or the job did not complete, 2 usage.
/// </summary>
internal static partial class Pbm
{
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")]
    private static partial System.Text.RegularExpressions.Regex HostOperand();

    public const string Usage = """
        Usage: pbm [HOST:PORT] [--host HOST:PORT] [--token TOKEN] [--data-dir DIR] [--json | --plain] PALETTE COMMAND

        The "media" palette:
          media submit FILE… [--wait] [--server-path]
                                  upload each FILE as a job (with --server-path, send the path for the node
                                  to read instead; it must lie inside the node's allowed roots); --wait shows
                                  progress until every job ends
          media status ID         one job's state and progress
          media list [--limit N | --all]
                                  the newest jobs first (100, or N up to 1000), or every job
          media cancel ID         cancel a job
          media retry ID          run a failed, cancelled or quarantined job again from what it recorded
                                  (a failed upload's input is kept for this)
          media result ID [--out DIR]
                                  download a completed job's files into DIR (default ./ID)
          media watch [ID]        follow one job until it ends, or every job until Ctrl+C

        The "live" command:
          live FILE|- [--speed N] [--rate HZ]
                                  stream speech to the node and show the transcript as it is spoken: the
                                  partial line rewritten in place, each final on its own line; FILE is sent
                                  at real time (--speed N: N times that, 0: as fast as the node takes it),
                                  `-` reads raw 16-bit mono PCM at --rate HZ (default 16000) from stdin;
                                  --json prints the node's messages as they come. The session is also a job.

        The "cluster" palette:
          cluster show            members (address, roles, status, reachability), leader and oldest
          cluster leave ADDRESS   a member leaves gracefully (its shards are handed off)
          cluster down ADDRESS    mark a member down (one known dead that has not been downed)
          cluster down-unreachable
                                  mark every unreachable member down
          cluster sharding regions
                                  the shard regions
          cluster sharding region-stats NAME
                                  a region's shards and entities per node

        The "model" palette (the classifiers behind scene labels, trained by the cluster):
          model list [TASK]       versions with their test macro-F1 and accuracy, status and why
          model show TASK VERSION one version: metrics, config, confusion matrix of its test split
          model train TASK PATH [--server-path]
                                  train TASK (shot-movement, shot-scale, text) on a dataset: a labels CSV, a
                                  MovieShots JSON folder or a folder with labels CSVs and the clips they name,
                                  uploaded (a folder as a zip); with --server-path, PATH… as the node sees them
                                  (inside its allowed roots). The version is promoted if it beats the current
                                  one on its test split
          model training          what the trainer is doing (task, phase, queue) and its latest runs
          model promote TASK VERSION
                                  make VERSION the one every classifier uses (rollback)

        Options:
          --host HOST:PORT   the node's management endpoint (default: from DIR/node.json, else 127.0.0.1:9110;
                             also MC_HOST; or as the first word, as in `pbm 10.0.0.2:9110 cluster show`)
          --token TOKEN      the API token (default: MC_TOKEN, else DIR/api-token)
          --data-dir DIR     the node's data directory (default: MC_DATA_DIR, else .data)
          --json             JSON for scripts    --plain   plain lines (the default when output is piped)

        Exit status: 0 success; 1 the node refused, could not be reached, or a job failed or was cancelled; 2 usage.
        """;

    private static readonly HashSet<string> Flags = ["--wait", "--server-path", "--json", "--plain", "--help", "-h", "--all"];
    private static readonly HashSet<string> Valued = ["--host", "--token", "--data-dir", "--out", "--speed", "--rate", "--limit"];

    /// <summary>Runs pbm; <paramref name="terminal"/> says whether <paramref name="output"/> is a terminal (rich output).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, bool terminal, CancellationToken ct)
    {
        if (!TryParse(args, out var options, out var operands, out var problem))
        {
            errors.WriteLine($"pbm: {problem}");
            errors.WriteLine(Usage);
            return 2;
        }

        if (operands is [] && !options.ContainsKey("--help") && !options.ContainsKey("-h"))
        {
            return UsageError(errors, "no command");
        }

        if (operands is [var first, ..] && HostOperand().IsMatch(first) && !options.ContainsKey("--host"))
        {
            options["--host"] = first;
            operands = operands[1..];
        }

        if (options.ContainsKey("--help") || options.ContainsKey("-h") || operands is ["help"] or ["media"] or ["media", "help"] or ["cluster"] or ["cluster", "help"] or ["live"] or ["model"] or ["model", "help"])
        {
            output.WriteLine(Usage);
            return 0;
        }

        Reporter reporter = options.ContainsKey("--json") ? new JsonReporter(output)
            : terminal && !options.ContainsKey("--plain") ? new RichReporter(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.Yes }))
            : new PlainReporter(output);
        try
        {
            var connection = Connection.Resolve(options);
            using var client = new NodeClient(connection.BaseAddress, connection.Token);
            return operands switch
            {
                ["media", "submit", .. var files] when files.Length > 0 => await SubmitAsync(client, reporter, files, options, ct),
                ["media", "status", var id] => await ShowAsync(async () => reporter.Job(await client.GetAsync(id, ct))),
                ["media", "list"] => await ListAsync(client, reporter, options, ct),
                ["media", "cancel", var id] => await CancelAsync(client, reporter, id, ct),
                ["media", "retry", var id] => await ShowAsync(async () => reporter.Job(await client.RetryAsync(id, ct))),
                ["media", "result", var id] => await ResultAsync(client, reporter, id, options.GetValueOrDefault("--out") ?? id, ct),
                ["media", "watch", var id] => Exit(await reporter.FollowAsync([id], i => client.FollowAsync(i, ct), ct)),
                ["media", "watch"] => await WatchAllAsync(client, reporter, ct),
                ["live", var source] => await LiveCommand.RunAsync(connection.BaseAddress, connection.Token, source, options, output, errors, terminal, ct),
                ["cluster", "show"] => await ShowAsync(async () => reporter.Cluster(await client.ClusterAsync(ct))),
                ["cluster", var command, var address] when command is "leave" or "down" =>
                    await ShowAsync(async () => reporter.Said(await client.ClusterCommandAsync(command, address, ct))),
                ["cluster", "down-unreachable"] => await ShowAsync(async () => reporter.Said(await client.ClusterCommandAsync("down-unreachable", null, ct))),
                ["cluster", "sharding", "regions"] => await ShowAsync(async () => reporter.Said(string.Join("\n", await client.RegionsAsync(ct)))),
                ["cluster", "sharding", "region-stats", var name] => await ShowAsync(async () => reporter.Region(await client.RegionStatsAsync(name, ct))),
                ["model", "list"] => await ShowAsync(async () => reporter.Models(await client.ModelsAsync(null, ct))),
                ["model", "list", var task] => await ShowAsync(async () => reporter.Models(await client.ModelsAsync(task, ct))),
                ["model", "show", var task, var version] when int.TryParse(version, out var v) => await ShowAsync(async () => reporter.Model(await client.ModelAsync(task, v, ct))),
                ["model", "train", var task, .. var paths] when paths.Length > 0 => await TrainAsync(client, reporter, task, paths, options.ContainsKey("--server-path"), ct),
                ["model", "training"] => await ShowAsync(async () => reporter.Trainer(await client.TrainerAsync(ct))),
                ["model", "promote", var task, var version] when int.TryParse(version, out var v) => await ShowAsync(async () => reporter.Said(await client.PromoteAsync(task, v, ct))),
                _ => UsageError(errors, $"unknown command '{string.Join(' ', operands)}'"),
            };
        }
        catch (NodeApiException ex)
        {
            errors.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpIOException && !ct.IsCancellationRequested)
        {
            errors.WriteLine($"error: lost the connection to the node: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !ct.IsCancellationRequested)
        {
            errors.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            errors.WriteLine("interrupted (jobs go on running on the node)");
            return 1;
        }
    }

    private static async Task<int> SubmitAsync(NodeClient client, Reporter reporter, string[] files, Dictionary<string, string?> options, CancellationToken ct)
    {
        var serverPaths = options.ContainsKey("--server-path");
        if (!serverPaths && files.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            throw new NodeApiException($"'{missing}' does not exist");
        }

        if (!serverPaths)
        {
            var limit = (await client.LimitsAsync(ct)).MaxUploadBytes;
            if (files.FirstOrDefault(f => new FileInfo(f).Length > limit) is { } big)
            {
                throw new NodeApiException(
                    $"'{big}' is {new FileInfo(big).Length} bytes, over the node's upload limit of {limit} bytes (Node:MaxUploadBytes); nothing was submitted");
            }
        }

        var ids = new List<string>();
        foreach (var file in files)
        {
            var id = serverPaths ? await client.SubmitPathAsync(file, ct) : await client.UploadAsync(file, ct);
            reporter.Submitted(file, id);
            ids.Add(id);
        }

        return options.ContainsKey("--wait") ? Exit(await reporter.FollowAsync(ids, id => client.FollowAsync(id, ct), ct)) : 0;
    }

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
        else if (Directory.Exists(path))
        {
            var zip = Path.Combine(Path.GetTempPath(), $"pbm-dataset-{Guid.NewGuid():N}.zip");
            try
            {
                System.IO.Compression.ZipFile.CreateFromDirectory(path, zip);
                answer = await client.UploadDatasetAsync(task, zip, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))) + ".zip", ct);
            }
            finally
            {
                File.Delete(zip);
            }
        }
        else if (File.Exists(path))
        {
            answer = await client.UploadDatasetAsync(task, path, Path.GetFileName(path), ct);
        }
        else
        {
            throw new NodeApiException($"'{path}' does not exist (a path on the node needs --server-path)");
        }

        reporter.Said(answer.AlreadyTrained
            ? $"{task}: dataset {answer.DatasetHash} was trained before, as v{answer.Version}"
            : $"{task}: training on dataset {answer.DatasetHash} queued; `pbm model list {task}` shows the version when it is done");
        return 0;
    }

    private static async Task<int> ListAsync(NodeClient client, Reporter reporter, Dictionary<string, string?> options, CancellationToken ct)
    {
        var limit = 100;
        if (options.GetValueOrDefault("--limit") is { } text && (!int.TryParse(text, out limit) || limit is < 1 or > 1000))
        {
            throw new NodeApiException($"--limit {text}: give a whole number from 1 to 1000 (or --all)");
        }

        reporter.Jobs(await client.ListAsync(ct, limit, options.ContainsKey("--all")));
        return 0;
    }

    private static async Task<int> CancelAsync(NodeClient client, Reporter reporter, string id, CancellationToken ct)
    {
        await client.CancelAsync(id, ct);
        reporter.Cancelled(id);
        return 0;
    }

    private static async Task<int> ResultAsync(NodeClient client, Reporter reporter, string id, string folder, CancellationToken ct)
    {
        var job = await client.GetAsync(id, ct);
        if (job.State != "completed")
        {
            throw new NodeApiException($"job {id} is {job.State}{(job.Error is null ? "" : $": {job.Error}")}; results exist once it has completed");
        }

        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var name in await client.ArtifactsAsync(id, ct))
        {
            var destination = Path.Combine(folder, Path.GetFileName(name));
            await client.DownloadAsync(id, name, destination, ct);
            written.Add(destination);
        }

        reporter.Downloaded(id, written);
        return 0;
    }

    private static async Task<int> WatchAllAsync(NodeClient client, Reporter reporter, CancellationToken ct)
    {
        try
        {
            await reporter.WatchAllAsync(() => client.ListAsync(ct), () => Task.Delay(TimeSpan.FromSeconds(1), ct), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        return 0;
    }

    private static int Exit(JobInfo[] finals) => finals.All(f => f.State == "completed") ? 0 : 1;

    private static async Task<int> ShowAsync(Func<Task> show)
    {
        await show();
        return 0;
    }

    private static int UsageError(TextWriter errors, string problem)
    {
        errors.WriteLine($"pbm: {problem}");
        errors.WriteLine(Usage);
        return 2;
    }

    private static bool TryParse(string[] args, out Dictionary<string, string?> options, out string[] operands, out string? problem)
    {
        options = [];
        var rest = new List<string>();
        problem = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (Flags.Contains(arg))
            {
                options[arg] = null;
            }
            else if (Valued.Contains(arg))
            {
                if (i + 1 >= args.Length)
                {
                    problem = $"{arg} needs a value";
                    break;
                }

                options[arg] = args[++i];
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                problem = $"unknown option '{arg}'";
                break;
            }
            else
            {
                rest.Add(arg);
            }
        }

        operands = [.. rest];
        return problem is null;
    }

    /// <summary>Where the node is and the token: flags, then environment, then the data directory.</summary>
    private sealed record Connection(Uri BaseAddress, string Token)
    {
        public static Connection Resolve(Dictionary<string, string?> options)
        {
            var dataDir = options.GetValueOrDefault("--data-dir") ?? Environment.GetEnvironmentVariable("MC_DATA_DIR") ?? ".data";
            var host = options.GetValueOrDefault("--host") ?? Environment.GetEnvironmentVariable("MC_HOST") ?? FromEndpointsFile(dataDir) ?? "127.0.0.1:9110";
            var token = options.GetValueOrDefault("--token") ?? Environment.GetEnvironmentVariable("MC_TOKEN") ?? FromTokenFile(dataDir)
                ?? throw new NodeApiException($"no API token: pass --token, set MC_TOKEN, or use --data-dir with the node's data directory ({Path.Combine(dataDir, "api-token")} is not there)");
            var url = host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host;
            if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var address))
            {
                throw new NodeApiException($"'{host}' is not HOST:PORT or a URL");
            }

            return new Connection(address, token);
        }

        private static string? FromEndpointsFile(string dataDir)
        {
            var path = Path.Combine(dataDir, "node.json");
            try
            {
                return File.Exists(path) && JsonDocument.Parse(File.ReadAllText(path)).RootElement.TryGetProperty("Management", out var management)
                    ? management.GetString()
                    : null;
            }
            catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static string? FromTokenFile(string dataDir)
        {
            var path = Path.Combine(dataDir, "api-token");
            try
            {
                return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new NodeApiException($"cannot read {path}: {ex.Message}");
            }
        }
    }
}
