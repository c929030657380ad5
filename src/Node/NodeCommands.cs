using MediaCluster.Media;

namespace MediaCluster.Node;

/// <summary>Command-line entry: <c>process FILE --out DIR</c> and <c>demo [--out DIR]</c>.</summary>
internal static class NodeCommands
{
    private const string Usage = """
        Usage:
          mc node process FILE --out DIR   transcribe FILE and write transcript.txt, .srt, .vtt, .json,
                                           vad.rttm, summary.txt and report.pdf into DIR
          mc node demo [--out DIR]         make a sample video from real speech and process it
                                           (default DIR: .artifacts/demo)
          mc node run [--Node:KEY VALUE…]  serve the HTTP API (0.0.0.0:8080) and the management endpoint
                                           for pbm (127.0.0.1:9110); keys: DataDirectory (.data),
                                           AllowedRoots:0…, Inbox, OutputRoot, AsrSlots, SegmentsPerJob,
                                           VadSlots,
                                           HttpAddress, HttpPort, ManagementAddress, ManagementPort (0: any
                                           free port), MaxUploadBytes, ApiTokenFile (at least 32
                                           characters), SessionHours (the page's sign-in, 12),
                                           Roles:0… (api, jobs, gpu),
                                           Journal:ConnectionString (PostgreSQL; default SQLite),
                                           Inference:Device (auto|cpu|cuda),
                                           Asr:Engine (pocketsphinx|whisper), Asr:WhisperModel (a
                                           whisper.cpp ggml file you provide, e.g. ggml-base.en.bin; none
                                           is installed), Asr:Threads, Asr:Language (en|…|auto),
                                           Asr:BeamSize (1: greedy), Asr:TemperatureFallback (true),
                                           Cluster:Host, Cluster:Port,
                                           Cluster:PublicHostname, Cluster:Seeds:0… (host:port),
                                           Cluster:Certificate (PKCS#12 file every node holds: TLS
                                           with mutual authentication), Cluster:CertificatePassword,
                                           Cluster:TrustedCertificates:0… (more peer certificates, PEM or
                                           DER: for rotating the certificate), Cluster:AllowInsecure
                                           (plain TCP off loopback: a lab only); also from
                                           appsettings.json and MC_Node__KEY variables. The API token is
                                           in DataDirectory/api-token, the bound endpoints in node.json.
        Progress goes to stderr. Exit status: 0 done, 1 the input could not be processed, 2 usage.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            switch (args)
            {
                case ["process", var file, "--out", var output]:
                    await FileProcessor.ProcessAsync(file, output, Console.Error, cancel.Token);
                    return 0;
                case ["run", ..]:
                    var app = await NodeHost.BuildAsync(args[1..]);
                    await app.RunAsync(cancel.Token);
                    return 0;
                case ["demo"]:
                    await Demo.RunAsync(Path.Combine(".artifacts", "demo"), cancel.Token);
                    return 0;
                case ["demo", "--out", var output]:
                    await Demo.RunAsync(output, cancel.Token);
                    return 0;
                case ["help" or "--help" or "-h"]:
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
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
}
