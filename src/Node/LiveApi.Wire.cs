using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaCluster.Node;

/// <summary>What /ws/live reads from a client: whole messages within the frame limit, PCM16 bytes, the config.</summary>
internal static partial class LiveApi
{
    /// <summary>Binary frames as PCM16: a sample split over two frames is joined.</summary>
    private sealed class PcmBytes
    {
        private byte? _carry;

        public ReadOnlySpan<short> Take(byte[] bytes)
        {
            var joined = _carry is { } c ? [c, .. bytes] : bytes;
            _carry = joined.Length % 2 == 1 ? joined[^1] : null;
            return MemoryMarshal.Cast<byte, short>(joined.AsSpan(0, joined.Length & ~1));
        }
    }

    /// <summary>One whole WebSocket message, or the reason the connection must close.</summary>
    private sealed record Frame(WebSocketMessageType Type, byte[] Bytes, string? Problem = null, WebSocketCloseStatus Status = WebSocketCloseStatus.NormalClosure)
    {
        public string Text => Encoding.UTF8.GetString(Bytes);
    }

    /// <summary>Reads whole messages of at most the frame limit.</summary>
    private sealed class FrameReader(WebSocket socket, int maxBytes)
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
                    return new Frame(WebSocketMessageType.Close, [], $"no message for {idle.TotalSeconds:0} s (Node:Live:IdleTimeoutSeconds)", Refused);
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new Frame(WebSocketMessageType.Close, []);
                }

                length += result.Count;
                if (length > maxBytes)
                {
                    return new Frame(result.MessageType, [], $"a message was larger than {maxBytes} bytes (Node:Live:MaxFrameBytes); send audio in smaller frames", TooBig);
                }

                if (result.EndOfMessage)
                {
                    return new Frame(result.MessageType, _buffer.AsSpan(0, length).ToArray());
                }
            }
        }
    }

    /// <summary>The client's {"config": {...}}.</summary>
    private sealed record LiveConfig(int SampleRate, bool Words, string? Error = null)
    {
        public static LiveConfig Parse(string text)
        {
            const string shape = "the first message must be {\"config\": {\"sample_rate\": 16000, \"words\": true}} (or audio at 16000 Hz)";
            JsonNode? json;
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                return new LiveConfig(0, false, $"{shape}; got text that is not JSON: {Shorten(text)}");
            }

            if (json is not JsonObject root || !root.TryGetPropertyValue("config", out var node) || node is not JsonObject config)
            {
                return new LiveConfig(0, false, $"{shape}; got {Shorten(text)}");
            }

            var rate = 16000;
            if (config.TryGetPropertyValue("sample_rate", out var rateNode))
            {
                if (rateNode is not JsonValue value || !value.TryGetValue<double>(out var number) || number != Math.Floor(number) || number is < 8000 or > 192000)
                {
                    return new LiveConfig(0, false, $"config.sample_rate must be a whole number of Hz from 8000 to 192000; got {rateNode?.ToJsonString() ?? "null"}");
                }

                rate = (int)number;
            }

            var words = false;
            if (config.TryGetPropertyValue("words", out var wordsNode))
            {
                if (wordsNode is not JsonValue flag || !flag.TryGetValue<bool>(out words))
                {
                    return new LiveConfig(0, false, $"config.words must be true or false; got {wordsNode?.ToJsonString() ?? "null"}");
                }
            }

            return new LiveConfig(rate, words);
        }
    }
}
