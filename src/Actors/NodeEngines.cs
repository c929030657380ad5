using MediaCluster.Media.Asr;
using MediaCluster.Media.Vad;

namespace MediaCluster.Actors;

/// <summary>
/// A node's native engines (Silero VAD, the recognizer), shared by its workers, and a count of calls inside them.
/// Freeing an engine while a call is inside it would crash the process, so <see cref="CloseAsync"/> frees them only
/// once no call is in flight, and leaves them open when one is still running after the timeout (a hung engine).
/// </summary>
public sealed class NodeEngines
{
    private readonly object _gate = new();
    private int _inUse;
    private TaskCompletionSource? _idle;

    public NodeEngines(SileroVad vad, ISpeechRecognizer recognizer)
    {
        Vad = vad;
        Recognizer = recognizer;
    }

    public SileroVad Vad { get; }

    public ISpeechRecognizer Recognizer { get; }

    /// <summary>Marks a call into an engine until the result is disposed.</summary>
    public IDisposable Use()
    {
        lock (_gate)
        {
            _inUse++;
        }

        return new Lease(this);
    }

    /// <summary>Frees the engines once no call is in flight; false (engines left open) if one still is after <paramref name="timeout"/>.</summary>
    public async Task<bool> CloseAsync(TimeSpan timeout)
    {
        Task idle;
        lock (_gate)
        {
            idle = _inUse == 0 ? Task.CompletedTask : (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        if (await Task.WhenAny(idle, Task.Delay(timeout)) != idle)
        {
            return false;
        }

        Recognizer.Dispose();
        Vad.Dispose();
        return true;
    }

    private void Release()
    {
        lock (_gate)
        {
            if (--_inUse == 0)
            {
                _idle?.TrySetResult();
                _idle = null;
            }
        }
    }

    private sealed class Lease(NodeEngines owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release();
            }
        }
    }
}
