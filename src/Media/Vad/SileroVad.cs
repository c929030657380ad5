using MediaCluster.Media.Onnx;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Media.Vad;

/// <summary>
/// The Silero VAD v5 model (ONNX). The session is shared; each audio stream gets its own
/// <see cref="SileroVadStream"/> (its recurrent state and tensors).
/// </summary>
public sealed class SileroVad : IDisposable
{
    /// <summary>Samples per window at 16 kHz (32 ms).</summary>
    public const int WindowSamples = 512;

    /// <summary>Samples of the previous window prepended to each input.</summary>
    public const int ContextSamples = 64;

    /// <summary>Loads the model (by default <c>.native/silero_vad_v5.onnx</c>).</summary>
    public SileroVad(string? modelPath = null, ILogger? log = null)
    {
        Session = new OnnxSession(modelPath ?? NativeFiles.Find("silero_vad_v5.onnx"), intraOpThreads: 1, log);
        Binding = Session.Bind(["input", "state", "sr"], ["output", "stateN"]);
    }

    /// <summary>"CPU" or "CUDA".</summary>
    public string Provider => Session.Provider;

    internal OnnxSession Session { get; }

    internal RunBinding Binding { get; }

    /// <summary>A fresh stream with zero state.</summary>
    public SileroVadStream CreateStream() => new(this);

    public void Dispose()
    {
        Binding.Dispose();
        Session.Dispose();
    }
}

/// <summary>One audio stream through the model: speech probability per 32 ms window.</summary>
public sealed class SileroVadStream : IDisposable
{
    private readonly SileroVad _model;
    private readonly OrtTensor _input = OrtTensor.Float(1, SileroVad.ContextSamples + SileroVad.WindowSamples);
    private readonly OrtTensor _state = OrtTensor.Float(2, 1, 128);
    private readonly OrtTensor _sampleRate = OrtTensor.Int64();
    private readonly OrtTensor _output = OrtTensor.Float(1, 1);
    private readonly OrtTensor _stateOut = OrtTensor.Float(2, 1, 128);
    private readonly OrtTensor[] _inputs;
    private readonly OrtTensor[] _outputs;

    internal SileroVadStream(SileroVad model)
    {
        _model = model;
        _sampleRate.Int64s[0] = 16000;
        _inputs = [_input, _state, _sampleRate];
        _outputs = [_output, _stateOut];
    }

    /// <summary>The speech probability of one 512-sample window (the previous window's tail is the context).</summary>
    public float Process(ReadOnlySpan<short> window)
    {
        if (window.Length != SileroVad.WindowSamples)
        {
            throw new ArgumentException($"A window is exactly {SileroVad.WindowSamples} samples, got {window.Length}.", nameof(window));
        }

        var input = _input.Floats;
        input.AsSpan(SileroVad.WindowSamples, SileroVad.ContextSamples).CopyTo(input);
        for (var i = 0; i < window.Length; i++)
        {
            input[SileroVad.ContextSamples + i] = window[i] / 32768f;
        }

        _model.Session.Run(_model.Binding, _inputs, _outputs);
        _stateOut.Floats.CopyTo(_state.Floats, 0);
        return _output.Floats[0];
    }

    public void Dispose()
    {
        foreach (var tensor in _inputs.Concat(_outputs))
        {
            tensor.Dispose();
        }
    }
}
