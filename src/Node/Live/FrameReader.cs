using System.Net.WebSockets;
using System.Text;

namespace MediaCluster.Node.Live;

/// <summary>One whole WebSocket message, or the reason the connection must close.</summary>
internal sealed record Frame(WebSocketMessageType Type, byte[] Bytes, string? Problem = null, WebSocketCloseStatus Status = WebSocketCloseStatus.NormalClosure)
{
    public string Text => Encoding.UTF8.GetString(Bytes);
}

/// <summary>Reads whole messages of at most the frame limit from a client of /ws/live.</summary>
internal sealed class FrameReader(WebSocket socket, int maxBytes)
{
    private readonly byte[] _buffer = new byte[maxBytes + 1];

    public async Task<Frame> ReadAsync(TimeSpan idle, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (idle != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(idle);
        }

        var length = 0;
        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(_buffer.AsMemory(length), timeout.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new Frame(WebSocketMessageType.Close, [], $"no message for {idle.TotalSeconds:0} s (Node:Live:IdleTimeoutSeconds)", LiveWire.Refused);
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Frame(WebSocketMessageType.Close, []);
            }

            length += result.Count;
            if (length > maxBytes)
            {
                return new Frame(result.MessageType, [], $"a message was larger than {maxBytes} bytes (Node:Live:MaxFrameBytes); send audio in smaller frames", LiveWire.TooBig);
            }

            if (result.EndOfMessage)
            {
                return new Frame(result.MessageType, _buffer.AsSpan(0, length).ToArray());
            }
        }
    }
}
