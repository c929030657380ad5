using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Akka.Actor;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Live;
using MediaCluster.Media.Live;
using MediaCluster.Messages.Jobs;
using MediaCluster.Node.Jobs;

namespace MediaCluster.Node.Live;

/// <summary>
/// One /ws/live connection once its config is read: its job (registered before the client is told the id), the
/// <see cref="LiveSession"/> its audio goes to (resampled to 16 kHz), the recording of that audio, the writer (the one
/// sender on the socket) and the reader. When the session ends, the recording becomes the job.
/// </summary>
internal sealed class LiveConnection : IDisposable
{
    /// <summary>Results waiting for the client at most; a session whose client reads none fills them and is closed.</summary>
    private const int MaxQueuedResults = 256;

    private readonly WebSocket _socket;
    private readonly FrameReader _reader;
    private readonly LiveConfig _config;
    private readonly Node _node;
    private readonly CancellationToken _aborted;
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly Channel<LiveOutput> _output =
        Channel.CreateBounded<LiveOutput>(new BoundedChannelOptions(MaxQueuedResults) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _sessionGone;
    private readonly Pcm16Resampler _resampler;
    private readonly PcmBytes _pcm = new();
    private readonly string _folder;
    private Pcm16WavWriter? _recording;
    private IActorRef _session = ActorRefs.Nobody;
    private int _finals;
    private string? _reason;

    public LiveConnection(WebSocket socket, FrameReader reader, LiveConfig config, Node node, CancellationToken aborted)
    {
        _socket = socket;
        _reader = reader;
        _config = config;
        _node = node;
        _aborted = aborted;
        _sessionGone = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _resampler = new Pcm16Resampler(config.SampleRate);
        _folder = Path.Combine(node.Options.UploadsRoot, _id);
    }

    /// <summary>What a connection uses of its node.</summary>
    public sealed record Node(LiveGateway Live, JobsGateway Jobs, NodeOptions Options, ILogger Log);

    private string RecordingPath => Path.Combine(_folder, "live.wav");

    /// <summary>Runs the session to its end, then starts its recording as the job.</summary>
    public async Task RunAsync(byte[]? firstAudio)
    {
        if (!await RegisterAsync())
        {
            return;
        }

        Directory.CreateDirectory(_folder);
        _recording = new Pcm16WavWriter(RecordingPath);
        _session = _node.Live.Open(_id, _output.Writer, _config.Hints);
        _node.Log.LogInformation("Live session {Id} opened ({Rate} Hz); it will be recorded as job {Id}", _id, _config.SampleRate, _id);
        try
        {
            await LiveWire.SendAsync(_socket, new JsonObject { ["job"] = _id }, _aborted);
            var writer = Task.Run(WriteAsync);
            await ReadAsync(firstAudio);
            await writer.WaitAsync(_node.Live.Limits.MaxPendingAudio + _node.Live.Limits.AttachTimeout, _aborted);
            await AwaitClientCloseAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or TimeoutException)
        {
            // The client went away, or the session ended while a frame waited for room (the writer says why).
            _reason ??= "the client went away";
        }
        finally
        {
            Stop();
        }

        await RecordAsJobAsync();
    }

    public void Dispose()
    {
        _sessionGone.Dispose();
        _recording?.Dispose();
    }

    /// <summary>The job is registered before the client is told its id, so that the id it is given always names a job.</summary>
    private async Task<bool> RegisterAsync()
    {
        try
        {
            await _node.Jobs.RegisterAsync(_id, _aborted);
            return true;
        }
        catch (Exception ex) when (ServiceUnavailableException.IsCause(ex))
        {
            await LiveWire.CloseAsync(_socket, LiveWire.TryLater, $"the session's job cannot be registered now ({ex.Message}); try again shortly", _aborted);
            return false;
        }
    }

    /// <summary>Audio in until the end of audio, a bad frame or the session's end (its pace check, a refusal: a quiet client holds nothing).</summary>
    private async Task ReadAsync(byte[]? firstAudio)
    {
        if (firstAudio is not null)
        {
            await AudioAsync(firstAudio);
        }

        while (!_sessionGone.IsCancellationRequested)
        {
            var frame = await _reader.ReadAsync(Timeout.InfiniteTimeSpan, _sessionGone.Token);
            if (frame.Problem is { } problem)
            {
                _output.Writer.TryWrite(new LiveWire.Refusal(frame.Status, problem));
                return;
            }

            if (frame.Type == WebSocketMessageType.Close || (frame.Type == WebSocketMessageType.Text && LiveWire.IsEof(frame.Text)))
            {
                // The end of audio (a client's close counts as one): the last finals, then the session closes.
                await AudioAsync([], flush: true);
                _session.Tell(LiveSession.End.Instance);
                return;
            }

            if (frame.Type == WebSocketMessageType.Text)
            {
                _output.Writer.TryWrite(new LiveWire.Refusal(LiveWire.BadData, $"a text message must be {{\"eof\": 1}} once audio has started; got {LiveWire.Shorten(frame.Text)}"));
                return;
            }

            await AudioAsync(frame.Bytes);
        }
    }

    private async Task AudioAsync(byte[] bytes, bool flush = false)
    {
        var samples = _resampler.Process(_pcm.Take(bytes));
        if (flush)
        {
            samples = [.. samples, .. _resampler.Flush()];
        }

        if (samples.Length == 0)
        {
            return;
        }

        _recording!.Write(samples);
        await _session.Ask<LiveSession.Accepted>(new LiveSession.Audio(samples), Timeout.InfiniteTimeSpan, _sessionGone.Token);
    }

    /// <summary>The one sender on the socket: results, then the close (with {"error"} first unless a normal end).</summary>
    private async Task WriteAsync()
    {
        try
        {
            await foreach (var message in _output.Reader.ReadAllAsync(_aborted))
            {
                if (await SendAsync(message))
                {
                    return;
                }
            }

            await LiveWire.CloseAsync(_socket, LiveWire.Failed, "the live session stopped unexpectedly", _aborted);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _reason = "the client went away";
        }
        finally
        {
            await _sessionGone.CancelAsync();
        }
    }

    /// <summary>Sends one result, or closes; true once closed.</summary>
    private async Task<bool> SendAsync(LiveOutput message)
    {
        switch (message)
        {
            case LivePartialOutput partial:
                await LiveWire.SendAsync(_socket, new JsonObject { ["partial"] = partial.Text }, _aborted);
                return false;
            case LiveFinalOutput final:
                _finals++;
                await LiveWire.SendAsync(_socket, LiveWire.FinalJson(final, _config), _aborted);
                return false;
            case LiveClosedOutput end:
                _reason = end.Message;
                var status = end.Reason switch
                {
                    LiveEnd.Completed => WebSocketCloseStatus.NormalClosure,
                    LiveEnd.NoRecognizer => LiveWire.Failed,
                    _ => LiveWire.Refused,
                };
                await LiveWire.CloseAsync(_socket, status, end.Reason == LiveEnd.Completed ? null : end.Message, _aborted);
                return true;
            case LiveWire.Refusal refusal:
                _reason = refusal.Message;
                await LiveWire.CloseAsync(_socket, refusal.Status, refusal.Message, _aborted);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The client's half of the closing handshake.</summary>
    private async Task AwaitClientCloseAsync()
    {
        if (_socket.State != WebSocketState.CloseSent)
        {
            return;
        }

        using var handshake = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while ((await _reader.ReadAsync(Timeout.InfiniteTimeSpan, handshake.Token)).Type != WebSocketMessageType.Close)
        {
        }
    }

    private void Stop()
    {
        _session.Tell(PoisonPill.Instance);
        _recording?.Complete();
        _recording?.Dispose();
        if (_socket.State is not (WebSocketState.Closed or WebSocketState.Aborted))
        {
            _socket.Abort();
        }
    }

    /// <summary>The recording becomes the session's job; a session with no audio is recorded as cancelled.</summary>
    private async Task RecordAsJobAsync()
    {
        var samples = _recording?.Samples ?? 0;
        if (samples == 0)
        {
            UploadStore.Delete(_folder);
            _node.Jobs.EndRegistered(_id, JobState.Cancelled, "the live session ended with no audio");
            _node.Log.LogInformation("Live session {Id} ended ({Reason}) with no audio; its job is recorded as cancelled", _id, _reason);
            return;
        }

        var title = string.Create(CultureInfo.InvariantCulture, $"live session {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var spec = new JobSpec { JobId = _id, InputPath = RecordingPath, OutputDir = Path.Combine(_node.Options.ResultsRoot, _id), Title = title, OwnsInput = true };
        if (await StartAsync(spec))
        {
            _node.Log.LogInformation(
                "Live session {Id} ended ({Reason}): {Seconds:0.0} s of audio, {Finals} finals; recorded as job {Id}", _id, _reason, samples / 16000.0, _finals, _id);
        }
    }

    /// <summary>
    /// A start is idempotent by id, so it is tried again while the cluster cannot take it (the journal away): the
    /// recording stays where it is either way.
    /// </summary>
    private async Task<bool> StartAsync(JobSpec spec)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var started = await _node.Jobs.StartRegisteredAsync(spec, CancellationToken.None);
                if (!JobPaths.WasRefused(started))
                {
                    return true;
                }

                _node.Jobs.EndRegistered(_id, JobState.Failed, started.Error);
                _node.Log.LogError("Live session {Id}'s job was refused ({Reason}); its recording stays in {Folder}", _id, started.Error, _folder);
                return false;
            }
            catch (Exception ex) when (ServiceUnavailableException.IsCause(ex))
            {
                if (attempt == 6)
                {
                    _node.Log.LogError("Live session {Id}'s job could not be started ({Reason}); its recording stays in {Folder}", _id, ex.Message, _folder);
                    return false;
                }

                await Task.Delay(TimeSpan.FromSeconds(1 << attempt), CancellationToken.None);
            }
        }
    }
}
