using System.Runtime.InteropServices;
using Akka.Actor;
using Google.Protobuf;
using MediaCluster.Actors.Hosting;
using MediaCluster.Media;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Vad;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Speech;

/// <summary>
/// Decodes one input and runs VAD over it, sending speech segments (with their audio) to its parent job with
/// explicit demand: it pulls the next segment from the decoder only while the job has granted it
/// (<see cref="RequestSegments"/>), so a job behind on recognition leaves ffmpeg blocked on its pipe and nothing
/// buffers without bound. One pull is in flight at a time, off the actor's thread.
/// </summary>
internal sealed class SpeechDetector : ReceiveActor
{
    private readonly IAsyncEnumerator<SpeechSegment> _segments;
    private readonly CancellationTokenSource _cancel = new();
    private readonly NodeEngines _engines;
    private readonly string _jobId;
    private Task _pull = Task.CompletedTask;
    private long _demand;
    private bool _pulling;
    private bool _ended;
    private int _sent;

    public SpeechDetector(string jobId, string path, NodeEngines engines)
    {
        _jobId = jobId;
        _engines = engines;
        _segments = new VoiceActivityDetector(engines.Vad)
            .DetectAsync(AudioDecoder.DecodeAsync(path, cancellationToken: _cancel.Token), true, _cancel.Token)
            .GetAsyncEnumerator(_cancel.Token);
        Receive<RequestSegments>(request =>
        {
            _demand += request.Count;
            Pull();
        });
        Receive<Pulled>(OnPulled);
    }

    public static Props Props(string jobId, string path, NodeEngines engines) =>
        Akka.Actor.Props.Create(() => new SpeechDetector(jobId, path, engines));

    protected override void PostStop()
    {
        _cancel.Cancel();

        // The enumerator may still be inside a pull: dispose it (stopping ffmpeg, freeing its VAD values) only once
        // that pull has returned, holding an engine lease until then so that shutdown does not free the model under it.
        var lease = _engines.Use();
        _ = _pull.ContinueWith(_ => _segments.DisposeAsync().AsTask(), TaskScheduler.Default).Unwrap()
            .ContinueWith(_ =>
            {
                lease.Dispose();
                _cancel.Dispose();
            }, TaskScheduler.Default);
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
        pull.PipeTo(Self, failure: ex => new Pulled(null, $"speech detection failed: {ex.Message}"));
    }

    private async Task<Pulled> PullAsync()
    {
        using var use = _engines.Use();
        try
        {
            return await _segments.MoveNextAsync() ? new Pulled(_segments.Current, null) : new Pulled(null, null);
        }
        catch (MediaException ex)
        {
            return new Pulled(null, ex.Message);
        }
        catch (OperationCanceledException)
        {
            return new Pulled(null, "speech detection was stopped");
        }
    }

    private void OnPulled(Pulled pulled)
    {
        _pulling = false;
        if (pulled.Error is not null || pulled.Segment is null)
        {
            _ended = true;
            Context.Parent.Tell(pulled.Error is null ? new SpeechDetectionEnded(_sent) : new SpeechDetectionFailed(pulled.Error));
            return;
        }

        var segment = pulled.Segment;
        _demand--;
        _sent++;
        Context.Parent.Tell(new SpeechAudio
        {
            JobId = _jobId,
            Index = segment.Index,
            StartSample = segment.StartSample,
            EndSample = segment.EndSample,
            SampleRate = AudioChunk.SampleRate,
            Pcm = ByteString.CopyFrom(MemoryMarshal.AsBytes((segment.Samples ?? []).AsSpan())),
        });
        Pull();
    }

    private sealed record Pulled(SpeechSegment? Segment, string? Error);
}
