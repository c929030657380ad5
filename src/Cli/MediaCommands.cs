using System.CommandLine;

namespace MediaCluster.Cli;

/// <summary>The "media" palette: submit, status, list, cancel, retry, result, watch, speakers, split, chapters.</summary>
internal static class MediaCommands
{
    public static Command Create(PbmCli cli) => new("media", "jobs: submit files, follow, list, cancel, retry, download results, cut videos at their scenes")
    {
        Submit(cli), Status(cli), List(cli), Cancel(cli), Retry(cli), Result(cli), Watch(cli), Speakers(cli),
        Cut(cli, "split", "cut a completed video job's media into a file per scene (stream copy where the scene starts on a keyframe, else re-encoded, and said so) and download them"),
        Cut(cli, "chapters", "copy a completed video job's media with a chapter per scene (stream copy) and download it"),
    };

    private static Command Submit(PbmCli cli)
    {
        var files = new Argument<string[]>("FILE") { Arity = ArgumentArity.OneOrMore, Description = "files to submit" };
        var wait = new Option<bool>("--wait") { Description = "show progress until every job ends" };
        var serverPath = new Option<bool>("--server-path") { Description = "send the path for the node to read instead of uploading (it must lie inside the node's allowed roots)" };
        var clipTasks = new Option<string?>("--clip-tasks")
        {
            Description = "which clip tasks you defined label a video's scenes beside the shot tasks: all (default: every one with a promoted model), none, or names separated by commas",
        };
        var speakers = SpeakerOption("--speakers", "how many people speak, when you know (default: found, 1–10)");
        var minSpeakers = SpeakerOption("--min-speakers", "at least this many people speak");
        var maxSpeakers = SpeakerOption("--max-speakers", "at most this many people speak (default 10)");
        var submit = new Command("submit", "upload each FILE as a job") { files, wait, serverPath, clipTasks, speakers, minSpeakers, maxSpeakers };
        submit.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            SubmitAsync(
                client,
                reporter,
                parse.GetValue(files)!,
                parse.GetValue(serverPath),
                new SubmitPathRequest(null, parse.GetValue(clipTasks), parse.GetValue(speakers), parse.GetValue(minSpeakers), parse.GetValue(maxSpeakers)),
                parse.GetValue(wait),
                ct), ct));
        return submit;
    }

    private static Option<int?> SpeakerOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => int.TryParse(result.Tokens.Single().Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 50
            ? n
            : Refuse<int?>(result, $"{name} {result.Tokens.Single().Value}: give a whole number from 1 to 50"),
    };

    private static Command Speakers(PbmCli cli)
    {
        var id = Id();
        var speakers = new Command("speakers", "a completed job's speakers: id, name, speaking time, turns") { id };
        speakers.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () => reporter.Speakers(await client.SpeakersAsync(parse.GetValue(id)!, ct))), ct));
        var speaker = new Argument<string>("SPEAKER") { Description = "the speaker's id (spk1, …)" };
        var name = new Argument<string>("NAME") { Description = "what to call them in the job's transcript files (up to 64 characters)" };
        var rename = new Command("rename", "name a speaker; the job's transcript files and diarization.rttm are written again with the name") { speaker, name };
        rename.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () =>
            reporter.Speakers(await client.RenameSpeakerAsync(parse.GetValue(id)!, parse.GetValue(speaker)!, parse.GetValue(name)!, ct))), ct));
        speakers.Subcommands.Add(rename);
        return speakers;
    }

    private static Command Status(PbmCli cli)
    {
        var id = Id();
        var status = new Command("status", "one job's state and progress") { id };
        status.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () => reporter.Job(await client.GetAsync(parse.GetValue(id)!, ct))), ct));
        return status;
    }

    private static Command List(PbmCli cli)
    {
        var limit = new Option<int?>("--limit")
        {
            Description = "the newest N jobs (1–1000; default 100)",
            CustomParser = result => result.Tokens.Count == 0 ? null : int.TryParse(result.Tokens.Single().Value, out var n) && n is >= 1 and <= 1000 ? n
                : Refuse<int?>(result, $"--limit {result.Tokens.Single().Value}: give a whole number from 1 to 1000 (or --all)"),
        };
        var all = new Option<bool>("--all") { Description = "every job" };
        var list = new Command("list", "the newest jobs first") { limit, all };
        list.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () =>
            reporter.Jobs(await client.ListAsync(ct, parse.GetValue(limit) ?? 100, parse.GetValue(all)))), ct));
        return list;
    }

    private static Command Cancel(PbmCli cli)
    {
        var id = Id();
        var cancel = new Command("cancel", "cancel a job") { id };
        cancel.SetAction((parse, ct) => cli.RunAsync(parse, async (client, reporter) =>
        {
            await client.CancelAsync(parse.GetValue(id)!, ct);
            reporter.Cancelled(parse.GetValue(id)!);
            return 0;
        }, ct));
        return cancel;
    }

    private static Command Retry(PbmCli cli)
    {
        var id = Id();
        var retry = new Command("retry", "run a failed, cancelled or quarantined job again from what it recorded (a failed upload's input is kept for this)") { id };
        retry.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () => reporter.Job(await client.RetryAsync(parse.GetValue(id)!, ct))), ct));
        return retry;
    }

    private static Command Result(PbmCli cli)
    {
        var id = Id();
        var folder = new Option<string?>("--out") { Description = "the folder to download into (default ./ID)" };
        var result = new Command("result", "download a completed job's files") { id, folder };
        result.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            ResultAsync(client, reporter, parse.GetValue(id)!, parse.GetValue(folder) ?? parse.GetValue(id)!, ct), ct));
        return result;
    }

    private static Command Cut(PbmCli cli, string kind, string description)
    {
        var id = Id();
        var folder = new Option<string?>("--out") { Description = "the folder to download into (default ./ID)" };
        var cut = new Command(kind, description) { id, folder };
        cut.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            CutAsync(client, reporter, parse.GetValue(id)!, kind, parse.GetValue(folder) ?? parse.GetValue(id)!, ct), ct));
        return cut;
    }

    private static Command Watch(PbmCli cli)
    {
        var id = new Argument<string?>("ID") { Arity = ArgumentArity.ZeroOrOne, Description = "a job's id (none: every job)" };
        var watch = new Command("watch", "follow one job until it ends, or every job until Ctrl+C") { id };
        watch.SetAction((parse, ct) => cli.RunAsync(parse, async (client, reporter) => parse.GetValue(id) is { } one
            ? PbmCli.Exit(await reporter.FollowAsync([one], i => client.FollowAsync(i, ct), ct))
            : await WatchAllAsync(client, reporter, ct), ct));
        return watch;
    }

    /// <summary>Records a refusal of an option's value (the parse then fails with it, exit 2).</summary>
    internal static T? Refuse<T>(System.CommandLine.Parsing.ArgumentResult result, string error)
    {
        result.AddError(error);
        return default;
    }

    private static Argument<string> Id() => new("ID") { Description = "a job's id" };

    private static async Task<int> SubmitAsync(NodeClient client, Reporter reporter, string[] files, bool serverPaths, SubmitPathRequest choices, bool wait, CancellationToken ct)
    {
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
            var id = serverPaths ? await client.SubmitPathAsync(file, choices, ct) : await client.UploadAsync(file, choices, ct);
            reporter.Submitted(file, id);
            ids.Add(id);
        }

        return wait ? PbmCli.Exit(await reporter.FollowAsync(ids, id => client.FollowAsync(id, ct), ct)) : 0;
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

    private static async Task<int> CutAsync(NodeClient client, Reporter reporter, string id, string kind, string folder, CancellationToken ct)
    {
        var cuts = await client.CutAsync(id, kind, ct);
        Directory.CreateDirectory(folder);
        foreach (var file in cuts.Files)
        {
            await client.DownloadCutAsync(id, file.Name, Path.Combine(folder, Path.GetFileName(file.Name)), ct);
        }

        reporter.Cut(id, cuts, folder);
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
}
