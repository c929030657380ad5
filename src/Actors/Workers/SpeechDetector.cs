using System.Runtime.InteropServices;
using Google.Protobuf;
using MediaCluster.Media;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Vad;
using MediaCluster.Messages.Jobs;
using MediaCluster.Messages.Runtime;
using MediaCluster.Runtime;
using MediaCluster.Runtime.Streams;

namespace MediaCluster.Actors.Workers;

/// <summary>
/// Decodes one input and runs VAD over it, offering speech segments (with audio) to its job over a
/// credit-based stream: it pulls from the decoder only when the job has granted demand, so a slow job
/// slows ffmpeg and nothing buffers without bound.
/// </summary>
internal sealed class SpeechDetector : ActorBase
{
    private readonly StreamOutlet _outlet;
    private readonly IAsyncEnumerator<SpeechSegment> _segments;
    private readonly CancellationTokenSource _cancel = new();
    private readonly string _jobId;

    public SpeechDetector(string jobId, string path, SileroVad vad, IActorRef job)
    {
        _jobId = jobId;
        _outlet = new StreamOutlet("speech:" + jobId, job, Self);
        _segments = new VoiceActivityDetector(vad).DetectAsync(AudioDecoder.DecodeAsync(path, cancellationToken: _cancel.Token), true, _cancel.Token)
            .GetAsyncEnumerator(_cancel.Token);
        ReceiveAsync<StreamDemand>(async demand =>
        {
            _outlet.Handle(demand);
            await PumpAsync();
        });
        Receive<StreamCancel>(cancel =>
        {
            _outlet.Handle(cancel);
            Context.Stop(Self);
        });
    }

    protected override void PostStop()
    {
        _cancel.Cancel();
        _ = _segments.DisposeAsync().AsTask().ContinueWith(_ => _cancel.Dispose(), TaskScheduler.Default);
    }

    private async Task PumpAsync()
    {
        try
        {
            while (_outlet.CanSend)
            {
                if (!await _segments.MoveNextAsync())
                {
                    _outlet.Complete();
                    return;
                }

                var segment = _segments.Current;
                _outlet.Send(new SpeechAudio
                {
                    JobId = _jobId,
                    Index = segment.Index,
                    StartSample = segment.StartSample,
                    EndSample = segment.EndSample,
                    Pcm = ByteString.CopyFrom(MemoryMarshal.AsBytes((segment.Samples ?? []).AsSpan())),
                });
            }
        }
        catch (MediaException ex)
        {
            _outlet.Fail(ex.Message);
        }
    }
}
