using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MediaCluster.Actors.Live;

namespace MediaCluster.Node.Live;

/// <summary>What /ws/live sends and how it closes: vosk-server's message shapes (docs/protocol.md) and one close code per kind of end.</summary>
internal static class LiveWire
{
    /// <summary>Close codes (RFC 6455 §7.4.1), one per kind of end.</summary>
    public const WebSocketCloseStatus BadData = WebSocketCloseStatus.InvalidPayloadData;        // 1007: bad config or message
    public const WebSocketCloseStatus Refused = WebSocketCloseStatus.PolicyViolation;           // 1008: token, idle, too long
    public const WebSocketCloseStatus TooBig = WebSocketCloseStatus.MessageTooBig;              // 1009: a frame over the limit
    public const WebSocketCloseStatus Failed = WebSocketCloseStatus.InternalServerError;        // 1011: no recogniser
    public const WebSocketCloseStatus TryLater = (WebSocketCloseStatus)1013;                    // 1013: node at its session limit

    /// <summary>A connection's own reason to close (a frame too big, a bad message), queued behind what was already sent.</summary>
    public sealed record Refusal(WebSocketCloseStatus Status, string Message) : LiveOutput;

    /// <summary>How long one message may wait for the client to read: a client that reads nothing is cut off.</summary>
    private static readonly TimeSpan s_sendTimeout = TimeSpan.FromSeconds(30);

    public static async Task SendAsync(WebSocket socket, JsonObject message, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(s_sendTimeout);
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, limit.Token);
    }

    /// <summary>Sends {"error": …} (unless a normal end) and closes with <paramref name="status"/>.</summary>
    public static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string? error, CancellationToken ct)
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

    /// <summary>
    /// A final result: its text, its words with times and confidences when the client asked for them, its provisional
    /// speaker; with <c>max_alternatives</c>, vosk's shape instead of text and words — <c>alternatives</c>, each with its
    /// text, confidence and (with words) its words' times (the one hypothesis when the recogniser gave no n-best).
    /// </summary>
    public static JsonObject FinalJson(LiveFinalOutput final, LiveConfig config)
    {
        var json = new JsonObject();
        if (config.Hints.MaxAlternatives > 0)
        {
            var alternatives = final.Alternatives is { Count: > 0 } given ? given : [new Media.Asr.RecognitionAlternative(final.Text, final.Confidence, final.Words)];
            json["alternatives"] = new JsonArray([.. alternatives.Select(a =>
            {
                var alternative = new JsonObject { ["confidence"] = Math.Round(a.Confidence, 6) };
                if (config.Words)
                {
                    alternative["result"] = new JsonArray([.. a.Words.Select(w => (JsonNode)new JsonObject
                    {
                        ["end"] = Math.Round(w.End.TotalSeconds, 3),
                        ["start"] = Math.Round(w.Start.TotalSeconds, 3),
                        ["word"] = w.Text,
                    })]);
                }

                alternative["text"] = a.Text;
                return (JsonNode)alternative;
            })]);
        }
        else
        {
            if (config.Words)
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
        }

        if (final.Speaker is not null)
        {
            json["speaker"] = final.Speaker;
        }

        return json;
    }

    /// <summary>Whether a text message is {"eof": …}, the end of audio.</summary>
    public static bool IsEof(string text)
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

    public static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
