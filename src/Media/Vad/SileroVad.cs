using MediaCluster.Media.Onnx;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace MediaCluster.Media.Vad;

/// <summary>
/// The Silero VAD v5 model (ONNX). The session is shared; each audio stream gets its own
/// <see cref="SileroVadStream"/> (its recurrent state and preallocated values).
/// </summary>
public sealed class SileroVad : IDisposable
{
    /// <summary>Samples per window at 16 kHz (32 ms).</summary>
    public const int WindowSamples = 512;

    /// <summary>Samples of the previous window prepended to each input.</summary>
    public const int ContextSamples = 64;

    /// <summary>Loads the model (by default <c>.native/silero_vad_v5.onnx</c>) on <paramref name="device"/>; one intra-op thread beats two for it.</summary>
    public SileroVad(string? modelPath = null, ILogger? log = null, InferenceDevice device = InferenceDevice.Auto) =>
        Model = new OnnxModel(modelPath ?? NativeFiles.Find("silero_vad_v5.onnx"), device, intraOpThreads: 1, log);

    /// <summary>"CPU" or "CUDA".</summary>
    public string Provider => Model.Provider;

    public OnnxModel Model { get; }

    /// <summary>A fresh stream with zero state.</summary>
    public SileroVadStream CreateStream() => new(this);

    public void Dispose() => Model.Dispose();
}

/// <summary>
/// One audio stream through the model: speech probability per 32 ms window. Every value is allocated once, over
/// pinned arrays; the recurrent state goes back and forth between two buffers (one binding for each direction),
/// so a window costs a copy into the input and one run, no allocation.
/// </summary>
public sealed class SileroVadStream : IDisposable
{
    private const int StateSize = 2 * 1 * 128;
    private static readonly long[] s_stateShape = [2, 1, 128];

    private readonly float[] _input = new float[SileroVad.ContextSamples + SileroVad.WindowSamples];
    private readonly float[] _output = new float[1];
    private readonly float[][] _states = [new float[StateSize], new float[StateSize]];
    private readonly OrtValue[] _values;
    private readonly OrtIoBinding[] _bindings;
    private readonly RunOptions _run = new();
    private readonly InferenceSession _session;
    private int _turn;

    internal SileroVadStream(SileroVad model)
    {
        _session = model.Model.Session;
        var input = OrtValue.CreateTensorValueFromMemory(_input, [1, _input.Length]);
        var stateA = OrtValue.CreateTensorValueFromMemory(_states[0], s_stateShape);
        var stateB = OrtValue.CreateTensorValueFromMemory(_states[1], s_stateShape);
        var rate = OrtValue.CreateTensorValueFromMemory(new long[] { 16000 }, []);
        var output = OrtValue.CreateTensorValueFromMemory(_output, [1, 1]);
        _values = [input, stateA, stateB, rate, output];
        _bindings = [Bind(input, stateA, stateB, rate, output), Bind(input, stateB, stateA, rate, output)];
    }

    /// <summary>The speech probability of one 512-sample window (the previous window's tail is the context).</summary>
    public float Process(ReadOnlySpan<short> window)
    {
        if (window.Length != SileroVad.WindowSamples)
        {
            throw new ArgumentException($"A window is exactly {SileroVad.WindowSamples} samples, got {window.Length}.", nameof(window));
        }

        _input.AsSpan(SileroVad.WindowSamples, SileroVad.ContextSamples).CopyTo(_input);
        for (var i = 0; i < window.Length; i++)
        {
            _input[SileroVad.ContextSamples + i] = window[i] / 32768f;
        }

        _session.RunWithBinding(_run, _bindings[_turn]);
        _turn ^= 1;
        return _output[0];
    }

    /// <summary>
    /// The stream's memory between two windows: the recurrent state, then the context (the last window's tail, as the
    /// model sees it). A stream given it back with <see cref="Restore"/> goes on exactly as this one would.
    /// </summary>
    public float[] Save() => [.. _states[_turn], .. _input.AsSpan(SileroVad.WindowSamples, SileroVad.ContextSamples)];

    /// <summary>Continues from memory <see cref="Save"/> gave; false (nothing changed) if it is not that shape.</summary>
    public bool Restore(ReadOnlySpan<float> memory)
    {
        if (memory.Length != StateSize + SileroVad.ContextSamples)
        {
            return false;
        }

        memory[..StateSize].CopyTo(_states[_turn]);
        memory[StateSize..].CopyTo(_input.AsSpan(SileroVad.WindowSamples, SileroVad.ContextSamples));
        return true;
    }

    public void Dispose()
    {
        foreach (var binding in _bindings)
        {
            binding.Dispose();
        }

        foreach (var value in _values)
        {
            value.Dispose();
        }

        _run.Dispose();
    }

    private OrtIoBinding Bind(OrtValue input, OrtValue state, OrtValue nextState, OrtValue rate, OrtValue output)
    {
        var binding = _session.CreateIoBinding();
        binding.BindInput("input", input);
        binding.BindInput("state", state);
        binding.BindInput("sr", rate);
        binding.BindOutput("output", output);
        binding.BindOutput("stateN", nextState);
        return binding;
    }
}
