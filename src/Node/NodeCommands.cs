using System.CommandLine;
using MediaCluster.Media;

namespace MediaCluster.Node;

/// <summary>Command-line entry: <c>process FILE --out DIR</c>, <c>demo [--out DIR]</c> and <c>run [--Node:KEY VALUE…]</c>.</summary>
public static class NodeCommands
{
    /// <summary>What `run` takes, shown by `mc node run --help`.</summary>
    private const string RunKeys = """
        serve the HTTP API (0.0.0.0:8080) and the management endpoint for pbm (127.0.0.1:9110). Settings as
        --Node:KEY VALUE (also appsettings.json, MC_Node__KEY variables, and files named Node__KEY holding the value
        in the directory MC_SETTINGS_FILES names, for secrets): DataDirectory (.data), AllowedRoots:0…,
        Inbox, OutputRoot, AsrSlots, SegmentsPerJob, VadSlots, HttpAddress, HttpPort, ManagementAddress,
        ManagementPort (0: any free port), MaxUploadBytes, ApiTokenFile (at least 32 characters), SessionHours (the
        page's sign-in, 12), Roles:0… (api, jobs, gpu), Journal:ConnectionString (PostgreSQL; default SQLite),
        Inference:Device (auto|cpu|cuda), Asr:Engine (pocketsphinx|whisper), Asr:WhisperModel (a whisper.cpp ggml
        file you provide, e.g. ggml-base.en.bin; none is installed), Asr:Threads, Asr:Language (en|…|auto),
        Asr:BeamSize (1: greedy), Asr:TemperatureFallback (true), Cluster:Host, Cluster:Port, Cluster:PublicHostname,
        Cluster:Seeds:0… (host:port), Cluster:Certificate (PKCS#12 file every node holds: TLS with mutual
        authentication), Cluster:CertificatePassword, Cluster:TrustedCertificates:0… (more peer certificates, PEM or
        DER: for rotating the certificate), Cluster:AllowInsecure (plain TCP off loopback: a lab only). The API token
        is in DataDirectory/api-token, the bound endpoints in node.json.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        var parsed = Commands().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }); // an argument starting with @ is a path, never a response file
        if (parsed.Errors.Count > 0)
        {
            var problem = parsed.UnmatchedTokens.Count > 0 ? $"unknown command or argument '{parsed.UnmatchedTokens[0]}'" : parsed.Errors[0].Message;
            Console.Error.WriteLine($"mc node: {problem} (`mc node --help` lists the commands)");
            return 2;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, cancel.Token);
        }
        catch (MediaException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (NodeSettingsException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            Console.Error.WriteLine($"error: {ex.Message} Another program (or node) listens there: choose a port with --Node:HttpPort / --Node:ManagementPort (0 takes any free port).");
            return 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine("cancelled");
            return 1;
        }
    }

    /// <summary>`process`, `demo` and `run`, on System.CommandLine (exceptions reach <see cref="RunAsync"/>, which names them).</summary>
    private static RootCommand Commands()
    {
        var file = new Argument<string>("FILE") { Description = "a recording or video" };
        var output = new Option<string>("--out") { Description = "the folder the results go to", Required = true };
        var process = new Command("process", "transcribe FILE and write transcript.txt, .srt, .vtt, .json, vad.rttm, summary.txt and report.pdf into DIR") { file, output };
        process.SetAction(async (parse, ct) =>
        {
            await FileProcessor.ProcessAsync(parse.GetValue(file)!, parse.GetValue(output)!, Console.Error, ct);
            return 0;
        });

        var demoOutput = new Option<string>("--out") { Description = "the folder (default .artifacts/demo)", DefaultValueFactory = _ => Path.Combine(".artifacts", "demo") };
        var demo = new Command("demo", "make a sample video from real speech and process it") { demoOutput };
        demo.SetAction(async (parse, ct) =>
        {
            await Demo.RunAsync(parse.GetValue(demoOutput)!, ct);
            return 0;
        });

        // Its settings are the configuration's (--Node:KEY VALUE), read by the host, not by this parser.
        var run = new Command("run", RunKeys.ReplaceLineEndings(" ").Trim()) { TreatUnmatchedTokensAsErrors = false };
        run.SetAction(async (parse, ct) =>
        {
            var app = await NodeHost.BuildAsync([.. parse.UnmatchedTokens]);
            await app.RunAsync(ct);
            return 0;
        });
        return new RootCommand("The MediaCluster node. Progress goes to stderr. Exit status: 0 done, 1 the input could not be processed, 2 usage.")
        {
            process, demo, run,
        };
    }
}
