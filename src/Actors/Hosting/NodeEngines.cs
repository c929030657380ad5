using MediaCluster.Media.Asr;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Learning;
using MediaCluster.Media.Vad;
using MediaCluster.Media.Video;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// A node's native engines (Silero VAD, the recognizer, the ResNet-18 image embedder), shared by its workers, and a
/// count of calls inside them. Each is made on first use, so a node loads only what its roles use (VAD and
/// the recogniser on gpu nodes, the embedder where scenes are labelled or shot-scale models trained; an api-only node
/// none). The scene-labelling tasks are here too: the shot-scale one measures with the embedder.
/// Freeing an engine while a call is inside it would crash the process, so <see cref="CloseAsync"/> frees them only
/// once no call is in flight, and leaves them open when one is still running after the timeout (a hung engine).
/// </summary>
public sealed class NodeEngines
{
    private readonly object _gate = new();
    private int _inUse;
    private TaskCompletionSource? _idle;

    private readonly Lazy<SileroVad> _vad;
    private readonly Lazy<ISpeechRecognizer> _recognizer;
    private readonly Lazy<ISpeechRecognizer> _liveRecognizer;
    private readonly Lazy<ImageEmbedder> _embedder;
    private readonly Lazy<SpeakerEmbedder?> _speakerModel;

    /// <summary>
    /// Engines made by the factories on first use; <paramref name="liveRecognizer"/> gives live streams a recogniser
    /// (a pool) of their own, so that they never wait behind batch segments (default: the batch one).
    /// </summary>
    public NodeEngines(
        Func<SileroVad> vad, Func<ISpeechRecognizer> recognizer, Func<ISpeechRecognizer>? liveRecognizer = null, Func<ImageEmbedder>? embedder = null,
        DatasetLimits? limits = null, Func<SpeakerEmbedder?>? speakerModel = null)
    {
        _speakerModel = new Lazy<SpeakerEmbedder?>(speakerModel ?? (() => null), LazyThreadSafetyMode.ExecutionAndPublication);
        _embedder = new Lazy<ImageEmbedder>(embedder ?? (() => new ImageEmbedder()), LazyThreadSafetyMode.ExecutionAndPublication);
        limits ??= DatasetLimits.Default;
        Limits = limits;
        ShotTasks = [new MovementTask { Limits = limits }, new ScaleTask(() => _embedder.Value) { Limits = limits }];
        Text = new TextTask { Limits = limits };
        LearningTasks = [.. ShotTasks, Text];
        _vad = new Lazy<SileroVad>(vad, LazyThreadSafetyMode.ExecutionAndPublication);
        _recognizer = new Lazy<ISpeechRecognizer>(recognizer, LazyThreadSafetyMode.ExecutionAndPublication);
        _liveRecognizer = liveRecognizer is null ? _recognizer : new Lazy<ISpeechRecognizer>(liveRecognizer, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public SileroVad Vad => _vad.Value;

    /// <summary>The ResNet-18 embedder (shot scale, clip tasks), made on first use.</summary>
    public ImageEmbedder Embedder => _embedder.Value;

    public ISpeechRecognizer Recognizer => _recognizer.Value;

    /// <summary>The operator's speaker-embedding model (Node:Diarization:EmbeddingModel), made on first use; null: voices are measured as MFCC statistics.</summary>
    public SpeakerEmbedder? SpeakerModel => _speakerModel.Value;

    /// <summary>The recogniser's engine and model if this node made one (a gpu node), else ("none", "").</summary>
    public (string Engine, string Model) RecognizerMade => _recognizer.IsValueCreated ? (Recognizer.Engine, Recognizer.Model) : ("none", "");

    /// <summary>The scene-labelling tasks (camera movement, shot scale), by which scenes are classified and models trained.</summary>
    public IReadOnlyList<ShotTask> ShotTasks { get; }

    /// <summary>Text classification of transcript segments and summaries.</summary>
    public TextTask Text { get; }

    /// <summary>What a dataset may hold (every task's, the ones users define too).</summary>
    public DatasetLimits Limits { get; }

    /// <summary>Every task built in: the scene tasks and text (users define more, kept in the registry).</summary>
    public IReadOnlyList<LearningTask> LearningTasks { get; }

    /// <summary>The task named <paramref name="name"/>, or null.</summary>
    public LearningTask? LearningTask(string name) => LearningTasks.FirstOrDefault(t => t.Name == name);

    /// <summary>The recogniser of live streams: one engine per open utterance.</summary>
    public ISpeechRecognizer LiveRecognizer => _liveRecognizer.Value;

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

        if (_recognizer.IsValueCreated)
        {
            _recognizer.Value.Dispose();
        }

        if (_liveRecognizer != _recognizer && _liveRecognizer.IsValueCreated)
        {
            _liveRecognizer.Value.Dispose();
        }

        if (_vad.IsValueCreated)
        {
            _vad.Value.Dispose();
        }

        if (_embedder.IsValueCreated)
        {
            _embedder.Value.Dispose();
        }

        if (_speakerModel.IsValueCreated)
        {
            _speakerModel.Value?.Dispose();
        }

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
