using System.Net.WebSockets;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Live;

namespace MediaCluster.Node.Live;

/// <summary>
/// <c>/ws/live</c>: live audio in, partial and final transcripts out, in the message shapes of vosk-server (see
/// docs/protocol.md). Each accepted connection within the node's session limit becomes a <see cref="LiveConnection"/>
/// once its first message (the config, or audio at 16 kHz) is read.
/// </summary>
internal static class LiveApi
{
    /// <summary>The route, behind the everyday policy: the token or the page's session is checked before the socket is accepted.</summary>
    public static void Map(IEndpointRouteBuilder app, NodeOptions options)
    {
        app.Map("/ws/live", async (HttpContext context, LiveGateway live, JobsGateway jobs, ILoggerFactory logs) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await ApiErrors.Of("/ws/live is a WebSocket endpoint: connect with ws://HOST:PORT/ws/live (see docs/protocol.md)", StatusCodes.Status400BadRequest).ExecuteAsync(context);
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await RunAsync(socket, new LiveConnection.Node(live, jobs, options, logs.CreateLogger("MediaCluster.Node.Live")), context.RequestAborted);
        });
    }

    private static async Task RunAsync(WebSocket socket, LiveConnection.Node node, CancellationToken aborted)
    {
        var limits = node.Live.Limits;
        if (!node.Live.Metrics.TryOpenSession(limits.MaxSessions))
        {
            await LiveWire.CloseAsync(socket, LiveWire.TryLater, $"this node already holds {limits.MaxSessions} live sessions (Node:Live:MaxSessions); try again later or another node", aborted);
            return;
        }

        try
        {
            var reader = new FrameReader(socket, limits.MaxFrameBytes);
            var first = await reader.ReadAsync(limits.IdleTimeout, aborted);
            if (first.Problem is { } problem)
            {
                await LiveWire.CloseAsync(socket, first.Status, problem, aborted);
                return;
            }

            var config = first.Type == WebSocketMessageType.Binary ? LiveConfig.Default : LiveConfig.Parse(first.Text);
            if (config.Error is { } error)
            {
                await LiveWire.CloseAsync(socket, LiveWire.BadData, error, aborted);
                return;
            }

            using var connection = new LiveConnection(socket, reader, config, node, aborted);
            await connection.RunAsync(first.Type == WebSocketMessageType.Binary ? first.Bytes : null);
        }
        finally
        {
            node.Live.Metrics.SessionClosed();
        }
    }
}
