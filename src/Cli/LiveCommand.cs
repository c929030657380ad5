using System.Diagnostics;
using System.CommandLine;
using System.Globalization;

namespace MediaCluster.Cli;

/// <summary>
/// <c>pbm live FILE|-</c>: streams audio to the node's /ws/live and shows what comes back — on a terminal the partial
/// hypothesis rewritten in place and each final on a line of its own with its time; piped, the finals only; with
/// --json every server message as it came. A FILE is decoded by ffmpeg to 16 kHz mono and sent at real time (or
/// --speed N times it; 0 as fast as the node takes it); <c>-</c> reads raw PCM16 mono at --rate Hz from stdin.
/// </summary>
internal static class LiveCommand
{
    private const double FrameSeconds = 0.1;

    public static Command Create(PbmCli cli)
    {
        var source = new Argument<string>("FILE|-") { Description = "a media file (decoded by ffmpeg), or - for raw 16-bit mono PCM on stdin" };
        var speed = new Option<double?>("--speed")
        {
            Description = "send FILE at N times real time (0: as fast as the node takes it; default 1)",
            CustomParser = result => result.Tokens.Count == 0 ? null : double.TryParse(result.Tokens.Single().Value, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
                : MediaCommands.Refuse<double?>(result, "--speed takes a number ≥ 0 (1 = real time, 0 = as fast as the node takes it)"),
        };
        var rate = new Option<int>("--rate")
        {
            Description = "the sample rate of PCM on stdin (8000–192000 Hz; default 16000)",
            DefaultValueFactory = _ => 16000,
            CustomParser = result => result.Tokens.Count == 0 ? 16000 : int.TryParse(result.Tokens.Single().Value, CultureInfo.InvariantCulture, out var n) && n is >= 8000 and <= 192000 ? n
                : MediaCommands.Refuse<int>(result, "--rate takes a sample rate from 8000 to 192000 Hz"),
        };
        var live = new Command(
            "live",
            "stream speech to the node and show the transcript as it is spoken: the partial line rewritten in place, each final on its own line (--json: the node's messages); the session is also a job")
        {
            source, speed, rate,
        };
        live.SetAction(async (parse, ct) =>
        {
            Connection connection;
            try
            {
                connection = cli.ConnectionOf(parse);
            }
            catch (NodeApiException ex)
            {
                cli.Errors.WriteLine($"error: {ex.Message}");
                return 1;
            }

            var file = parse.GetValue(source)!;
            var settings = new Settings(parse.GetValue(speed) ?? (file == "-" ? 0 : 1.0), parse.GetValue(rate), parse.GetValue(cli.Json), cli.Rich(parse));
            return await RunAsync(connection.BaseAddress, connection.Token, file, settings, cli.Output, cli.Errors, ct);
        });
        return live;
    }

    /// <summary>How a session is sent and shown.</summary>
    private sealed record Settings(double Speed, int Rate, bool Json, bool Rich);

    private static async Task<int> RunAsync(Uri node, string token, string source, Settings settings, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        var fromStdin = source == "-";
        var (speed, rate, json) = (settings.Speed, settings.Rate, settings.Json);
        if (!fromStdin && !File.Exists(source))
        {
            errors.WriteLine($"error: no file '{source}'");
            return 1;
        }

        LiveClient live;
        try
        {
            live = await LiveClient.ConnectAsync(node, token, fromStdin ? rate : 16000, words: true, ct);
        }
        catch (System.Net.WebSockets.WebSocketException ex)
        {
            errors.WriteLine($"error: could not open a live session at {LiveClient.LiveUri(node)}: {ex.Message}");
            return 1;
        }

        await using var _ = live;
        var view = new View(output, json, settings.Rich);
        string? job = null, error = null;
        var reading = Task.Run(async () =>
        {
            while (await live.ReadAsync(ct) is { } message)
            {
                job ??= message.Job;
                error ??= message.Error;
                view.Show(message);
            }
        }, ct);

        using var ffmpeg = fromStdin ? null : StartFfmpeg(source);
        var audio = fromStdin ? Console.OpenStandardInput() : ffmpeg!.StandardOutput.BaseStream;
        var sent = await SendAsync(live, audio, fromStdin ? rate : 16000, speed, reading, ct);
        await reading;
        view.End();
        return await EndAsync(ffmpeg, source, sent, job, error, live.CloseStatus, json, output, errors, ct);
    }

    /// <summary>Why the session failed (ffmpeg could not decode the file, or the node closed it saying why), or where its job is.</summary>
    private static async Task<int> EndAsync(
        Process? ffmpeg, string source, long sent, string? job, string? error, System.Net.WebSockets.WebSocketCloseStatus? closed, bool json, TextWriter output, TextWriter errors, CancellationToken ct)
    {
        if (ffmpeg is { HasExited: false })
        {
            ffmpeg.Kill();
        }

        if (ffmpeg is { ExitCode: not 0 } && sent == 0)
        {
            errors.WriteLine($"error: ffmpeg could not decode '{source}': {(await ffmpeg.StandardError.ReadToEndAsync(ct)).Trim()}");
            return 1;
        }

        if (error is not null)
        {
            errors.WriteLine($"error: {error} (closed with {(int?)closed})");
            return 1;
        }

        if (!json && job is not null)
        {
            output.WriteLine($"The session is job {job}: `pbm media result {job}` gets its transcript, SRT, VTT, JSON, RTTM, summary and report once it completes.");
        }

        return 0;
    }

    /// <summary>The audio, a frame at a time, paced to <paramref name="speed"/> × real time (0: as fast as the node takes it), then the end of audio; returns the bytes sent.</summary>
    private static async Task<long> SendAsync(LiveClient live, Stream audio, int rate, double speed, Task reading, CancellationToken ct)
    {
        var frame = new byte[(int)(FrameSeconds * rate) * 2];
        var clock = Stopwatch.StartNew();
        var sent = 0L;
        try
        {
            int read;
            while (!reading.IsCompleted && (read = await audio.ReadAtLeastAsync(frame, frame.Length, throwOnEndOfStream: false, ct)) > 0)
            {
                await live.SendAudioAsync(frame.AsMemory(0, read), ct);
                sent += read;
                var due = speed > 0 ? TimeSpan.FromSeconds(sent / 2.0 / rate / speed) - clock.Elapsed : TimeSpan.Zero;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, ct);
                }
            }

            if (!reading.IsCompleted)
            {
                await live.SendEofAsync(ct);
            }
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            // The node closed the connection; the reader has its reason.
        }

        return sent;
    }

    private static Process StartFfmpeg(string file)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-nostdin", "-v", "error", "-i", file, "-ac", "1", "-ar", "16000", "-f", "s16le", "-" })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new IOException($"ffmpeg is needed to decode '{file}' and could not be started ({ex.Message}); install it (./mc setup) or pipe PCM into `pbm live -`", ex);
        }
    }

    /// <summary>What the person sees.</summary>
    private sealed class View(TextWriter output, bool json, bool terminal)
    {
        private bool _partialShown;

        public void Show(LiveMessage message)
        {
            if (json)
            {
                output.WriteLine(message.Raw);
                return;
            }

            if (message.Partial is { } partial && terminal)
            {
                var width = Math.Max(20, Console.IsOutputRedirected ? 100 : Console.WindowWidth) - 1;
                var line = partial.Length > width ? "…" + partial[^(width - 1)..] : partial;
                output.Write($"\r\u001b[2K\u001b[2m{line}\u001b[0m");
                _partialShown = true;
            }
            else if (message.IsFinal && message.Text!.Length > 0)
            {
                var time = message.Result is [var first, .., var last] ? $"[{Clock(first.Start)}–{Clock(last.End)}] "
                    : message.Result is [var only] ? $"[{Clock(only.Start)}–{Clock(only.End)}] " : "";
                var speaker = message.Speaker is { } who ? $"[{who}] " : "";
                output.WriteLine(terminal ? $"\r\u001b[2K{time}{speaker}{message.Text}" : $"{time}{speaker}{message.Text}");
                _partialShown = false;
            }
        }

        public void End()
        {
            if (_partialShown)
            {
                output.Write("\r\u001b[2K");
            }

            output.Flush();
        }

        private static string Clock(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"mm\:ss\.f", CultureInfo.InvariantCulture);
    }
}
