using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace MediaCluster.Cli;

/// <summary>
/// pbm: <c>pbm [OPTIONS] PALETTE COMMAND …</c>, a client of a node's management endpoint, its command line parsed by
/// System.CommandLine (<see cref="PbmCli"/>; <c>pbm --help</c>, <c>pbm media --help</c> …). Exit status: 0 success, 1
/// the node refused or the job did not complete, 2 usage.
/// </summary>
public static partial class Pbm
{
    /// <summary>Runs pbm; <paramref name="terminal"/> says whether <paramref name="output"/> is a terminal (rich output).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, bool terminal, CancellationToken ct)
    {
        // `pbm 10.0.0.2:9110 cluster show`: a first word that is HOST:PORT names the node.
        if (args is [var first, ..] && HostOperand().IsMatch(first) && !args.Contains("--host"))
        {
            args = ["--host", first, .. args[1..]];
        }

        var cli = new PbmCli(output, errors, terminal);
        var parsed = cli.Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }); // an argument starting with @ is a file name, never a response file
        if (parsed.Errors.Count > 0)
        {
            errors.WriteLine($"pbm: {Problem(parsed)}");
            errors.WriteLine("(`pbm --help` lists the commands, `pbm PALETTE --help` tells each)");
            return 2;
        }

        // Ctrl+C is pbm's own (Program.cs): jobs go on running on the node.
        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = errors, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, ct);
    }

    /// <summary>The first thing wrong with a command line: a word that is no command (named with the words before it), or the parser's first error.</summary>
    private static string Problem(ParseResult parsed)
    {
        if (parsed.UnmatchedTokens.Count == 0)
        {
            return parsed.Errors[0].Message;
        }

        var words = new List<string>();
        for (var result = parsed.CommandResult; result.Parent is CommandResult parent; result = parent)
        {
            words.Insert(0, result.Command.Name);
        }

        return $"unknown command '{string.Join(' ', words.Concat(parsed.UnmatchedTokens))}'";
    }

    [GeneratedRegex(@"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")]
    private static partial Regex HostOperand();
}
