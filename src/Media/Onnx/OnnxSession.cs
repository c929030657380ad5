using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaCluster.Media.Onnx;

/// <summary>Element types this binding supports (values of ONNXTensorElementDataType).</summary>
public enum TensorElementType
{
    /// <summary>32-bit float.</summary>
    Float = 1,

    /// <summary>64-bit integer.</summary>
    Int64 = 7,
}

/// <summary>A model input or output: name, element type (raw ONNX code) and shape (-1 for a free dimension).</summary>
public sealed record TensorSpec(string Name, int ElementType, IReadOnlyList<long> Shape);

/// <summary>
/// An inference session over one model file. One session may be shared by threads; the tensors passed to
/// <see cref="Run"/> may not. Uses the CUDA execution provider when the library has one, else the CPU.
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private static readonly Lock s_envGate = new();
    private static nint s_env;
    private readonly OrtApi _api;
    private nint _session;

    /// <summary>Loads <paramref name="modelPath"/> with <paramref name="intraOpThreads"/> threads per run.</summary>
    public OnnxSession(string modelPath, int intraOpThreads = 1, ILogger? log = null)
    {
        log ??= NullLogger.Instance;
        if (!File.Exists(modelPath))
        {
            throw new MediaException(MediaErrorKind.ToolMissing, $"ONNX model '{modelPath}' does not exist; run ./mc setup.");
        }

        _api = OrtApi.Instance;
        var env = Environment();
        nint options;
        _api.Check(_api.CreateSessionOptions(&options), "CreateSessionOptions");
        try
        {
            _api.Check(_api.SetIntraOpNumThreads(options, intraOpThreads), "SetIntraOpNumThreads");
            _api.Check(_api.SetInterOpNumThreads(options, 1), "SetInterOpNumThreads");
            Provider = TryCuda(options) ? "CUDA" : "CPU";
            var pathBytes = Encoding.UTF8.GetBytes(modelPath + "\0");
            nint session;
            fixed (byte* p = pathBytes)
            {
                _api.Check(_api.CreateSession(env, p, options, &session), $"loading '{modelPath}'");
            }

            _session = session;
        }
        finally
        {
            _api.ReleaseSessionOptions(options);
        }

        Inputs = Describe(input: true);
        Outputs = Describe(input: false);
        log.LogInformation(
            "ONNX model {Model} on {Provider} ({Reason})",
            Path.GetFileName(modelPath), Provider, Provider == "CUDA" ? "libonnxruntime_providers_cuda.so found" : "no CUDA provider library beside libonnxruntime");
    }

    /// <summary>"CUDA" or "CPU".</summary>
    public string Provider { get; }

    /// <summary>The model's inputs.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>The model's outputs.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>
    /// Runs the model. <paramref name="outputs"/> are pre-allocated tensors the results are written into,
    /// so a loop over windows allocates nothing.
    /// </summary>
    public void Run(RunBinding binding, ReadOnlySpan<OrtTensor> inputs, ReadOnlySpan<OrtTensor> outputs)
    {
        ObjectDisposedException.ThrowIf(_session == 0, this);
        if (inputs.Length != binding.InputCount || outputs.Length != binding.OutputCount)
        {
            throw new ArgumentException($"Expected {binding.InputCount} inputs and {binding.OutputCount} outputs.");
        }

        var inputValues = stackalloc nint[inputs.Length];
        var outputValues = stackalloc nint[outputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputValues[i] = inputs[i].Value;
        }

        for (var i = 0; i < outputs.Length; i++)
        {
            outputValues[i] = outputs[i].Value;
        }

        _api.Check(
            _api.Run(_session, 0, binding.InputNames, inputValues, (nuint)inputs.Length, binding.OutputNames, (nuint)outputs.Length, outputValues),
            "Run");
    }

    /// <summary>Prepares the UTF-8 names for <see cref="Run"/> once.</summary>
    public RunBinding Bind(IReadOnlyList<string> inputNames, IReadOnlyList<string> outputNames) => new(inputNames, outputNames);

    public void Dispose()
    {
        if (_session != 0)
        {
            _api.ReleaseSession(_session);
            _session = 0;
        }
    }

    private static nint Environment()
    {
        lock (s_envGate)
        {
            if (s_env == 0)
            {
                var api = OrtApi.Instance;
                nint env;
                var id = "mediacluster\0"u8;
                fixed (byte* p = id)
                {
                    api.Check(api.CreateEnv(3, p, &env), "CreateEnv");
                }

                s_env = env;
            }

            return s_env;
        }
    }

    private bool TryCuda(nint options)
    {
        var cudaProvider = Path.Combine(Path.GetDirectoryName(_api.LibraryPath)!, "libonnxruntime_providers_cuda.so");
        if (!File.Exists(cudaProvider)
            || !NativeLibrary.TryGetExport(_api.Library, "OrtSessionOptionsAppendExecutionProvider_CUDA", out var append))
        {
            return false;
        }

        var status = ((delegate* unmanaged[Cdecl]<nint, int, nint>)append)(options, 0);
        if (status == 0)
        {
            return true;
        }

        _api.ReleaseStatus(status);
        return false;
    }

    private IReadOnlyList<TensorSpec> Describe(bool input)
    {
        nuint count;
        _api.Check(input ? _api.SessionGetInputCount(_session, &count) : _api.SessionGetOutputCount(_session, &count), "GetCount");
        nint allocator;
        _api.Check(_api.GetAllocatorWithDefaultOptions(&allocator), "GetAllocator");
        var specs = new List<TensorSpec>();
        for (nuint i = 0; i < count; i++)
        {
            nint name;
            _api.Check(input ? _api.SessionGetInputName(_session, i, allocator, &name) : _api.SessionGetOutputName(_session, i, allocator, &name), "GetName");
            var text = Marshal.PtrToStringUTF8(name) ?? string.Empty;
            _api.Check(_api.AllocatorFree(allocator, name), "AllocatorFree");
            nint typeInfo;
            _api.Check(input ? _api.SessionGetInputTypeInfo(_session, i, &typeInfo) : _api.SessionGetOutputTypeInfo(_session, i, &typeInfo), "GetTypeInfo");
            try
            {
                nint tensorInfo;
                _api.Check(_api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "CastTypeInfoToTensorInfo");
                int elementType;
                _api.Check(_api.GetTensorElementType(tensorInfo, &elementType), "GetTensorElementType");
                nuint dims;
                _api.Check(_api.GetDimensionsCount(tensorInfo, &dims), "GetDimensionsCount");
                var shape = new long[(int)dims];
                fixed (long* s = shape)
                {
                    _api.Check(_api.GetDimensions(tensorInfo, s, dims), "GetDimensions");
                }

                specs.Add(new TensorSpec(text, elementType, shape));
            }
            finally
            {
                _api.ReleaseTypeInfo(typeInfo);
            }
        }

        return specs;
    }
}

/// <summary>Input and output names, as UTF-8 in native memory, for repeated runs.</summary>
public sealed unsafe class RunBinding : IDisposable
{
    private readonly nint[] _names;

    internal RunBinding(IReadOnlyList<string> inputs, IReadOnlyList<string> outputs)
    {
        InputCount = inputs.Count;
        OutputCount = outputs.Count;
        _names = inputs.Concat(outputs).Select(n => Marshal.StringToCoTaskMemUTF8(n)).ToArray();
        InputNames = (nint*)NativeMemory.Alloc((nuint)(_names.Length * sizeof(nint)));
        for (var i = 0; i < _names.Length; i++)
        {
            InputNames[i] = _names[i];
        }

        OutputNames = InputNames + InputCount;
    }

    internal int InputCount { get; }

    internal int OutputCount { get; }

    internal nint* InputNames { get; private set; }

    internal nint* OutputNames { get; }

    public void Dispose()
    {
        if (InputNames is null)
        {
            return;
        }

        foreach (var name in _names)
        {
            Marshal.FreeCoTaskMem(name);
        }

        NativeMemory.Free(InputNames);
        InputNames = null;
    }
}
