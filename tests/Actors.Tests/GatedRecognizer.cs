using MediaCluster.Media.Asr;

namespace MediaCluster.Actors.Tests;

/// <summary>Every recognition waits for the test's gate.</summary>
internal sealed class GatedRecognizer(Task<Recognition> gate) : ISpeechRecognizer
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first recognition has begun.</summary>
    public Task Entered => _entered.Task;

    public bool Disposed { get; private set; }

    public string Engine => "gated";

    public string Model => "none";

    public int Concurrency => 2;

    public Task<Recognition> RecognizeAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default)
    {
        _entered.TrySetResult();
        return gate;
    }

    public Task<IStreamingRecognition> StartStreamAsync(RecognitionHints hints, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public void Dispose() => Disposed = true;
}
