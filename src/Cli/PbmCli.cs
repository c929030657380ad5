using System.CommandLine;
using Spectre.Console;

namespace MediaCluster.Cli;

/// <summary>
/// pbm's commands (one tree per parse: options are not shared between parses): the global options, the palettes
/// (<see cref="MediaCommands"/>, <see cref="LiveCommand"/>, <see cref="ClusterCommands"/>, <see cref="ModelCommands"/>),
/// and how a command talks to the node — where it is, how results are shown, and what each failure's exit status is.
/// </summary>
internal sealed class PbmCli
{
    public PbmCli(TextWriter output, TextWriter errors, bool terminal)
    {
        Output = output;
        Errors = errors;
        Terminal = terminal;
        Root = new RootCommand(
            "pbm: the command-line client of a MediaCluster node's management endpoint.\n" +
            "Exit status: 0 success; 1 the node refused, could not be reached, or a job failed or was cancelled; 2 usage.")
        {
            Options = { Host, Token, DataDir, Json, Plain },
            Subcommands = { MediaCommands.Create(this), LiveCommand.Create(this), ClusterCommands.Create(this), ModelCommands.Create(this) },
        };

        // A palette on its own (`pbm media`) shows its commands.
        foreach (var palette in Root.Subcommands.Where(c => c.Subcommands.Count > 0))
        {
            palette.SetAction(parse =>
            {
                new System.CommandLine.Help.HelpAction().Invoke(parse);
                return 0;
            });
        }
    }

    public RootCommand Root { get; }

    public TextWriter Output { get; }

    public TextWriter Errors { get; }

    public bool Terminal { get; }

    public Option<string?> Host { get; } = new("--host")
    {
        Description = "the node's management endpoint, HOST:PORT or a URL (default: from DIR/node.json, else 127.0.0.1:9110; also MC_HOST; or as the first word: `pbm 10.0.0.2:9110 cluster show`)",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token") { Description = "the API token (default: MC_TOKEN, else DIR/api-token)", Recursive = true };

    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "the node's data directory (default: MC_DATA_DIR, else .data)", Recursive = true };

    public Option<bool> Json { get; } = new("--json") { Description = "JSON for scripts", Recursive = true };

    public Option<bool> Plain { get; } = new("--plain") { Description = "plain lines (the default when output is piped)", Recursive = true };

    /// <summary>Where the node is and its token, from the options, the environment or the data directory.</summary>
    public Connection ConnectionOf(ParseResult parse) => Connection.Resolve(parse.GetValue(Host), parse.GetValue(Token), parse.GetValue(DataDir));

    /// <summary>Whether results are rich (a terminal and not --plain).</summary>
    public bool Rich(ParseResult parse) => Terminal && !parse.GetValue(Plain);

    /// <summary>Runs <paramref name="command"/> against the node, turning what goes wrong into a sentence and an exit status.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<NodeClient, Reporter, Task<int>> command, CancellationToken ct)
    {
        Reporter reporter = parse.GetValue(Json) ? new JsonReporter(Output)
            : Rich(parse) ? new RichReporter(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Output), Interactive = InteractionSupport.Yes }))
            : new PlainReporter(Output);
        try
        {
            var connection = ConnectionOf(parse);
            using var client = new NodeClient(connection.BaseAddress, connection.Token);
            return await command(client, reporter);
        }
        catch (NodeApiException ex)
        {
            Errors.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or HttpIOException && !ct.IsCancellationRequested)
        {
            Errors.WriteLine($"error: lost the connection to the node: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !ct.IsCancellationRequested)
        {
            Errors.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Errors.WriteLine("interrupted (jobs go on running on the node)");
            return 1;
        }
    }

    /// <summary>A command whose whole work is showing one answer.</summary>
    public static async Task<int> ShowAsync(Func<Task> show)
    {
        await show();
        return 0;
    }

    /// <summary>0 when every job completed, else 1.</summary>
    public static int Exit(JobInfo[] finals) => finals.All(f => f.State == "completed") ? 0 : 1;
}
