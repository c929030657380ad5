using System.Globalization;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Akka.Actor;
using MediaCluster.Actors;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Live;
using MediaCluster.Media.Live;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Node;

/// <summary>
/// <c>/ws/live</c>: live audio in, partial and final transcripts out, in the message shapes of vosk-server (see
/// docs/protocol.md). The connection's audio goes to a <see cref="LiveSession"/> (resampled to 16 kHz first) and is
/// recorded; when the session ends the recording becomes a job under the id sent at the start.
/// </summary>
internal static partial class LiveApi
{
    /// <summary>Close codes (RFC 6455 §7.4.1), one per kind of end.</summary>
    public const WebSocketCloseStatus BadData = WebSocketCloseStatus.InvalidPayloadData;        // 1007: bad config or message
    public const WebSocketCloseStatus Refused = WebSocketCloseStatus.PolicyViolation;           // 1008: token, idle, too long
    public const WebSocketCloseStatus TooBig = WebSocketCloseStatus.MessageTooBig;              // 1009: a frame over the limit
    public const WebSocketCloseStatus Failed = WebSocketCloseStatus.InternalServerError;        // 1011: no recogniser
    public const WebSocketCloseStatus TryLater = (WebSocketCloseStatus)1013;                    // 1013: node at its session limit

    /// <summary>The route, behind the everyday policy: the token or the page's session is checked before the socket is accepted.</summary>
    public static void Map(IEndpointRouteBuilder app, NodeOptions options)
    {
        app.Map("/ws/live", async (HttpContext context, LiveGateway live, JobsGateway jobs, ILoggerFactory logs) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await JobApi.Error("/ws/live is a WebSocket endpoint: connect with ws://HOST:PORT/ws/live (see docs/protocol.md)", StatusCodes.Status400BadRequest).ExecuteAsync(context);
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await RunAsync(context, socket, live, jobs, options, logs.CreateLogger("MediaCluster.Node.Live"));
        });
    }

    private static async Task RunAsync(HttpContext context, WebSocket socket, LiveGateway live, JobsGateway jobs, NodeOptions options, ILogger log)
    {
        var aborted = context.RequestAborted;
        var limits = live.Limits;

        if (!live.Metrics.TryOpenSession(limits.MaxSessions))
        {
            await CloseAsync(socket, TryLater, $"this node already holds {limits.MaxSessions} live sessions (Node:Live:MaxSessions); try again later or another node", aborted);
            return;
        }

        try
        {
            var reader = new FrameReader(socket, limits.MaxFrameBytes);
            var first = await reader.ReadAsync(limits.IdleTimeout, aborted);
            if (first.Problem is { } problem)
            {
                await CloseAsync(socket, first.Status, problem, aborted);
                return;
            }

            var config = first.Type == WebSocketMessageType.Binary ? new LiveConfig(16000, false) : LiveConfig.Parse(first.Text);
            if (config.Error is { } error)
            {
                await CloseAsync(socket, BadData, error, aborted);
                return;
            }

            await SessionAsync(socket, reader, config, first.Type == WebSocketMessageType.Binary ? first.Bytes : null, live, jobs, options, log, aborted);
        }
        finally
        {
            live.Metrics.SessionClosed();
        }
    }

    private static async Task SessionAsync(
        WebSocket socket, FrameReader reader, LiveConfig config, byte[]? firstAudio, LiveGateway live, JobsGateway jobs, NodeOptions options, ILogger log, CancellationToken aborted)
    {
        var id = Guid.NewGuid().ToString("N")[..12];

        // The job is registered before the client is told its id, so that the id it is given always names a job.
        try
        {
            await jobs.RegisterAsync(id, aborted);
        }
        catch (Exception ex) when (Actors.Hosting.ServiceUnavailableException.IsCause(ex))
        {
            await CloseAsync(socket, TryLater, $"the session's job cannot be registered now ({ex.Message}); try again shortly", aborted);
            return;
        }

        var folder = Path.Combine(options.UploadsRoot, id);
        Directory.CreateDirectory(folder);
        var recordingPath = Path.Combine(folder, "live.wav");
        var recording = new Pcm16WavWriter(recordingPath);
        var output = Channel.CreateBounded<LiveOutput>(new BoundedChannelOptions(MaxQueuedResults) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var session = live.Open(id, output.Writer);
        using var sessionGone = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var finals = 0;
        string? reason = null;
        log.LogInformation("Live session {Id} opened ({Rate} Hz); it will be recorded as job {Id}", id, config.SampleRate, id);
        await SendAsync(socket, new JsonObject { ["job"] = id }, aborted);

        // The one sender on the socket: results, then the close (with {"error"} first unless a normal end).
        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var message in output.Reader.ReadAllAsync(aborted))
                {
                    switch (message)
                    {
                        case LivePartialOutput partial:
                            await SendAsync(socket, new JsonObject { ["partial"] = partial.Text }, aborted);
                            break;
                        case LiveFinalOutput final:
                            finals++;
                            await SendAsync(socket, FinalJson(final, config.Words), aborted);
                            break;
                        case LiveClosedOutput end:
                            reason = end.Message;
                            await CloseAsync(socket, end.Reason switch
                            {
                                LiveEnd.Completed => WebSocketCloseStatus.NormalClosure,
                                LiveEnd.NoRecognizer => Failed,
                                _ => Refused,
                            }, end.Reason == LiveEnd.Completed ? null : end.Message, aborted);
                            return;
                        case Refusal refusal:
                            reason = refusal.Message;
                            await CloseAsync(socket, refusal.Status, refusal.Message, aborted);
                            return;
                    }
                }

                await CloseAsync(socket, Failed, "the live session stopped unexpectedly", aborted);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                reason = "the client went away";
            }
            finally
            {
                await sessionGone.CancelAsync();
            }
        });

        var resampler = new Pcm16Resampler(config.SampleRate);
        var pcm = new PcmBytes();
        try
        {
            if (firstAudio is not null)
            {
                await AudioAsync(firstAudio);
            }

            while (!sessionGone.IsCancellationRequested)
            {
                // The session's end (its pace check, a refusal) stops the read too: a client that has gone quiet holds nothing.
                var frame = await reader.ReadAsync(Timeout.InfiniteTimeSpan, sessionGone.Token);
                if (frame.Problem is { } problem)
                {
                    output.Writer.TryWrite(new Refusal(frame.Status, problem));
                    break;
                }

                if (frame.Type == WebSocketMessageType.Close || (frame.Type == WebSocketMessageType.Text && IsEof(frame.Text)))
                {
                    // The end of audio (a client's close counts as one): the last finals, then the session closes.
                    await AudioAsync([], flush: true);
                    session.Tell(LiveSession.End.Instance);
                    break;
                }

                if (frame.Type == WebSocketMessageType.Text)
                {
                    output.Writer.TryWrite(new Refusal(BadData, $"a text message must be {{\"eof\": 1}} once audio has started; got {Shorten(frame.Text)}"));
                    break;
                }

                await AudioAsync(frame.Bytes);
            }

            await writer.WaitAsync(live.Limits.MaxPendingAudio + live.Limits.AttachTimeout, aborted);
            if (socket.State == WebSocketState.CloseSent)
            {
                // The client's half of the closing handshake.
                using var handshake = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                while ((await reader.ReadAsync(Timeout.InfiniteTimeSpan, handshake.Token)).Type != WebSocketMessageType.Close)
                {
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or TimeoutException)
        {
            // The client went away, or the session ended while a frame waited for room (the writer says why).
            reason ??= "the client went away";
        }
        finally
        {
            session.Tell(PoisonPill.Instance);
            recording.Complete();
            recording.Dispose();
            if (socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
            {
                socket.Abort();
            }
        }

        var seconds = recording.Samples / 16000.0;
        if (recording.Samples == 0)
        {
            UploadStore.Delete(folder);
            jobs.EndRegistered(id, JobState.Cancelled, "the live session ended with no audio");
            log.LogInformation("Live session {Id} ended ({Reason}) with no audio; its job is recorded as cancelled", id, reason);
            return;
        }

        var title = string.Create(CultureInfo.InvariantCulture, $"live session {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var spec = new JobSpec { JobId = id, InputPath = recordingPath, OutputDir = Path.Combine(options.ResultsRoot, id), Title = title, OwnsInput = true };

        // A start is idempotent by id, so it is tried again while the cluster cannot take it (the journal away): the
        // recording stays where it is either way.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var started = await jobs.StartRegisteredAsync(spec, CancellationToken.None);
                if (Actors.Jobs.JobPaths.WasRefused(started))
                {
                    jobs.EndRegistered(id, JobState.Failed, started.Error);
                    log.LogError("Live session {Id}'s job was refused ({Reason}); its recording stays in {Folder}", id, started.Error, folder);
                    return;
                }

                break;
            }
            catch (Exception ex) when (Actors.Hosting.ServiceUnavailableException.IsCause(ex))
            {
                if (attempt == 6)
                {
                    log.LogError("Live session {Id}'s job could not be started ({Reason}); its recording stays in {Folder}", id, ex.Message, folder);
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(1 << attempt), CancellationToken.None);
            }
        }

        log.LogInformation("Live session {Id} ended ({Reason}): {Seconds:0.0} s of audio, {Finals} finals; recorded as job {Id}", id, reason, seconds, finals, id);

        async Task AudioAsync(byte[] bytes, bool flush = false)
        {
            var samples = resampler.Process(pcm.Take(bytes));
            if (flush)
            {
                samples = [.. samples, .. resampler.Flush()];
            }

            if (samples.Length == 0)
            {
                return;
            }

            recording.Write(samples);
            await session.Ask<LiveSession.Accepted>(new LiveSession.Audio(samples), Timeout.InfiniteTimeSpan, sessionGone.Token);
        }
    }

    private static JsonObject FinalJson(LiveFinalOutput final, bool words)
    {
        var json = new JsonObject();
        if (words)
        {
            json["result"] = new JsonArray([.. final.Words.Select(w => (JsonNode)new JsonObject
            {
                ["conf"] = Math.Round(w.Confidence, 6),
                ["end"] = Math.Round(w.End.TotalSeconds, 3),
                ["start"] = Math.Round(w.Start.TotalSeconds, 3),
                ["word"] = w.Text,
            })]);
        }

        json["text"] = final.Text;
        return json;
    }

    private static bool IsEof(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject o && o.TryGetPropertyValue("eof", out var eof) && eof is not null;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;

    /// <summary>Results waiting for the client at most; a session whose client reads none fills them and is closed.</summary>
    private const int MaxQueuedResults = 256;

    /// <summary>How long one message may wait for the client to read: a client that reads nothing is cut off.</summary>
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);

    private static async Task SendAsync(WebSocket socket, JsonObject message, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(SendTimeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, limit.Token);
    }

    /// <summary>Sends {"error": …} (unless a normal end) and closes with <paramref name="status"/>.</summary>
    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string? error, CancellationToken ct)
    {
        try
        {
            if (error is not null && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await SendAsync(socket, new JsonObject { ["error"] = error }, ct);
            }

            // A close reason is limited to 123 bytes; the error message carries the whole reason.
            var shortReason = error is null ? "end of audio" : error.Length > 60 ? error[..60] : error;
            await socket.CloseAsync(status, shortReason, ct);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away first.
        }
    }

    /// <summary>The connection's own reason to close (a frame too big, a bad message), queued behind what was already sent.</summary>
    private sealed record Refusal(WebSocketCloseStatus Status, string Message) : LiveOutput;
}
