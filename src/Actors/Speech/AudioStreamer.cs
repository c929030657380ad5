using System.Runtime.InteropServices;
using Akka.Actor;
using Google.Protobuf;
using MediaCluster.Media;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>
/// A job's decoder, on the job's node: streams the input's audio from <c>from</c> on to the job's
/// <see cref="VadSession"/> as <see cref="DecodedAudio"/> chunks of one second, only as many as the session asked for
/// (<see cref="VadSession.ChunksAhead"/> to begin with, then one per <see cref="RequestAudio"/>), so ffmpeg waits on
/// its pipe while the session is behind. A restart decodes from the input's start and drops what lies before
/// <c>from</c> here, so the session gets exactly the samples the first run had. Decoding failures go to the parent job.
/// </summary>
internal sealed class AudioStreamer : ReceiveActor
{
    /// <summary>Samples per chunk: one second (32 kB, far under the remoting frame).</summary>
    public const int ChunkSamples = AudioChunk.SampleRate;

    private readonly IAsyncEnumerator<AudioChunk> _chunks;
    private readonly CancellationTokenSource _cancel = new();
    private readonly IActorRef _session;
    private readonly long _from;
    private Task _pull = Task.CompletedTask;
    private long _demand = VadSession.ChunksAhead;
    private long _total;
    private bool _pulling;
    private bool _ended;

    public AudioStreamer(string path, long from, IActorRef session)
    {
        _session = session;
        _from = from;
        _chunks = AudioDecoder.DecodeAsync(path, ChunkSamples, _cancel.Token).GetAsyncEnumerator(_cancel.Token);
        Receive<RequestAudio>(request =>
        {
            if (Sender.Equals(_session) && request.Count is > 0 and <= VadSession.ChunksAhead)
            {
                _demand = Math.Min(_demand + request.Count, VadSession.ChunksAhead);
                Pull();
            }
        });
        Receive<Pulled>(OnPulled);
    }

    public static Props Props(string path, long from, IActorRef session) => Akka.Actor.Props.Create(() => new AudioStreamer(path, from, session));

    protected override void PreStart() => Pull();

    protected override void PostStop()
    {
        _cancel.Cancel();

        // The enumerator may still be inside a pull: dispose it (stopping ffmpeg) once that pull has returned.
        _ = _pull.ContinueWith(_ => _chunks.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap()
            .ContinueWith(_ => _cancel.Dispose(), TaskScheduler.Default);
    }

    private void Pull()
    {
        if (_pulling || _ended || _demand <= 0)
        {
            return;
        }

        _pulling = true;
        var pull = PullAsync();
        _pull = pull;
        pull.PipeTo(Self, failure: ex => new Pulled(null, $"decoding the audio failed: {ex.Message}"));
    }

    private async Task<Pulled> PullAsync()
    {
        try
        {
            return await _chunks.MoveNextAsync() ? new Pulled(_chunks.Current, null) : new Pulled(null, null);
        }
        catch (MediaException ex)
        {
            return new Pulled(null, ex.Message);
        }
        catch (OperationCanceledException)
        {
            return new Pulled(null, "decoding was stopped");
        }
    }

    private void OnPulled(Pulled pulled)
    {
        _pulling = false;
        if (pulled.Error is not null || pulled.Chunk is not { } chunk)
        {
            _ended = true;
            if (pulled.Error is null)
            {
                _session.Tell(new AudioEnded { TotalSamples = _total });
            }
            else
            {
                Context.Parent.Tell(new SpeechDetectionFailed(pulled.Error));
            }

            return;
        }

        _total = chunk.StartSample + chunk.Samples.Length;
        var skip = (int)Math.Clamp(_from - chunk.StartSample, 0, chunk.Samples.Length);
        if (skip < chunk.Samples.Length)
        {
            _demand--;
            _session.Tell(new DecodedAudio
            {
                StartSample = chunk.StartSample + skip,
                Pcm = ByteString.CopyFrom(MemoryMarshal.AsBytes(chunk.Samples.AsSpan(skip))),
            });
        }

        Pull();
    }

    private sealed record Pulled(AudioChunk? Chunk, string? Error);
}
