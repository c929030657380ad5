using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace MediaCluster.Cli;

/// <summary>A word of a live final: text, start and end in seconds from the session's start, confidence 0–1.</summary>
public sealed record LiveWord(string Word, double Start, double End, double Conf);

/// <summary>One server message of /ws/live (docs/protocol.md); <see cref="Raw"/> is the JSON as sent.</summary>
public sealed record LiveMessage(
    string Raw, string? Job = null, string? Partial = null, string? Text = null, IReadOnlyList<LiveWord>? Result = null, string? Error = null, string? Speaker = null)
{
    public bool IsFinal => Text is not null;

    public static LiveMessage Parse(string raw)
    {
        using var document = JsonDocument.Parse(raw);
        var root = document.RootElement;
        string? Get(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var words = root.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Array
            ? result.EnumerateArray().Select(w => new LiveWord(w.GetProperty("word").GetString()!, w.GetProperty("start").GetDouble(), w.GetProperty("end").GetDouble(), w.GetProperty("conf").GetDouble())).ToList()
            : null;
        return new LiveMessage(raw, Get("job"), Get("partial"), Get("text"), words, Get("error"), Get("speaker"));
    }
}

/// <summary>
/// A client of a node's /ws/live: connects with the token, sends the config, then PCM16 frames and the end of audio, and
/// reads the server's messages. Used by pbm live, the tests and the live benchmark.
/// </summary>
public sealed class LiveClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];

    private LiveClient(ClientWebSocket socket) => _socket = socket;

    /// <summary>How the server closed the connection (after <see cref="ReadAsync"/> returned null).</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>The reason the server gave with its close.</summary>
    public string? CloseReason => _socket.CloseStatusDescription;

    /// <summary>The ws:// address of /ws/live on a node whose API is at <paramref name="api"/> (http:// or https://).</summary>
    public static Uri LiveUri(Uri api) => new UriBuilder(api) { Scheme = api.Scheme == "https" ? "wss" : "ws", Path = "/ws/live" }.Uri;

    /// <summary>Connects and sends <c>{"config": …}</c>; a null <paramref name="sampleRate"/> sends no config (audio at 16 kHz).</summary>
    public static async Task<LiveClient> ConnectAsync(Uri api, string token, int? sampleRate = 16000, bool words = true, CancellationToken ct = default)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        await socket.ConnectAsync(LiveUri(api), ct).ConfigureAwait(false);
        var client = new LiveClient(socket);
        if (sampleRate is { } rate)
        {
            await client.SendTextAsync(JsonSerializer.Serialize(new { config = new { sample_rate = rate, words } }), ct).ConfigureAwait(false);
        }

        return client;
    }

    /// <summary>Sends a text message as it is (the config, the end of audio, or anything a test wants to try).</summary>
    public Task SendTextAsync(string text, CancellationToken ct = default) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, ct);

    /// <summary>Sends audio: PCM16 little-endian mono at the configured rate.</summary>
    public Task SendAudioAsync(ReadOnlyMemory<byte> pcm, CancellationToken ct = default) =>
        _socket.SendAsync(pcm, WebSocketMessageType.Binary, endOfMessage: true, ct).AsTask();

    /// <summary>Says the audio is over; the server sends the last finals and closes.</summary>
    public Task SendEofAsync(CancellationToken ct = default) => SendTextAsync("{\"eof\": 1}", ct);

    /// <summary>The next server message, or null once the server has closed (see <see cref="CloseStatus"/>).</summary>
    public async Task<LiveMessage?> ReadAsync(CancellationToken ct = default)
    {
        var text = new MemoryStream();
        while (true)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(_buffer.AsMemory(), ct).ConfigureAwait(false);
            }
            catch (WebSocketException) when (_socket.State is WebSocketState.Aborted or WebSocketState.Closed)
            {
                return null;
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct).ConfigureAwait(false);
                }

                return null;
            }

            text.Write(_buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return LiveMessage.Parse(Encoding.UTF8.GetString(text.ToArray()));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (WebSocketException)
            {
            }
        }

        _socket.Dispose();
    }
}
