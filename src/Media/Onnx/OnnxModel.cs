using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace MediaCluster.Media.Onnx;

/// <summary>A model input or output: name, element type and shape (-1 for a free dimension).</summary>
public sealed record TensorSpec(string Name, Type ElementType, IReadOnlyList<long> Shape);

/// <summary>
/// One model file in an ONNX Runtime <see cref="InferenceSession"/> (Microsoft.ML.OnnxRuntime; the GPU build of the
/// package when the project is built with <c>-p:OnnxRuntimeFlavor=Gpu</c>). One session is shared by threads; the
/// values bound to a run are not. ONNX Runtime has no automatic fallback from CUDA, so the device choice is made
/// here: <see cref="InferenceDevice.Auto"/> tries CUDA and otherwise builds a CPU session, saying why in one log line.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    // What libonnxruntime_providers_cuda.so (Microsoft.ML.OnnxRuntime.Gpu 1.31, CUDA 13) links or opens.
    private static readonly string[] s_cudaLibraries =
        ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];

    static OnnxModel()
    {
        // ONNX Runtime would also print its own copy of a provider error to stderr; the node's log line says it once.
        OrtEnv.Instance().EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
    }

    /// <summary>Loads <paramref name="modelPath"/> on <paramref name="device"/> with <paramref name="intraOpThreads"/> threads per run.</summary>
    public OnnxModel(string modelPath, InferenceDevice device = InferenceDevice.Auto, int intraOpThreads = 1, ILogger? log = null)
        : this(Path.GetFileName(modelPath), File.Exists(modelPath) ? modelPath : throw new MediaException(MediaErrorKind.ToolMissing, $"ONNX model '{modelPath}' does not exist; run ./mc setup."), null, device, intraOpThreads, log)
    {
    }

    /// <summary>Loads a model held in memory (<paramref name="name"/> names it in errors and the log).</summary>
    public OnnxModel(string name, byte[] model, InferenceDevice device = InferenceDevice.Auto, int intraOpThreads = 1, ILogger? log = null)
        : this(name, null, model, device, intraOpThreads, log)
    {
    }

    private OnnxModel(string name, string? modelPath, byte[]? model, InferenceDevice device, int intraOpThreads, ILogger? log)
    {
        log ??= NullLogger.Instance;
        string? cudaMissing = null;
        if (device != InferenceDevice.Cpu)
        {
            try
            {
                Session = Create(name, modelPath, model, intraOpThreads, cuda: true);
                Provider = "CUDA";
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or OnnxRuntimeException or DllNotFoundException)
            {
                cudaMissing = ex is EntryPointNotFoundException
                    ? "this build has the CPU-only ONNX Runtime (build with -p:OnnxRuntimeFlavor=Gpu for CUDA)"
                    : MissingCudaLibraries() is [_, ..] missing
                        ? $"the CUDA execution provider needs {string.Join(", ", missing)}, not found (CUDA 13 and cuDNN 9; see docs/operations.md)"
                        : $"the CUDA execution provider did not start: {ex.Message.Trim()}";
                if (device == InferenceDevice.Cuda)
                {
                    throw new MediaException(MediaErrorKind.ToolMissing, $"ONNX model '{name}' cannot run on CUDA (Node:Inference:Device is cuda): {cudaMissing}");
                }
            }
        }

        if (Session is null)
        {
            Session = Create(name, modelPath, model, intraOpThreads, cuda: false);
            Provider = "CPU";
        }

        Inputs = Describe(Session.InputMetadata);
        Outputs = Describe(Session.OutputMetadata);
        log.LogInformation("ONNX model {Model} on {Provider}{Why}", name, Provider, cudaMissing is null ? "" : $": {cudaMissing}");
    }

    /// <summary>"CUDA" or "CPU".</summary>
    public string Provider { get; } = "CPU";

    /// <summary>The session, for binding values and running.</summary>
    public InferenceSession Session { get; }

    /// <summary>The model's inputs.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>The model's outputs.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    public void Dispose() => Session.Dispose();

    /// <summary>The libraries ONNX Runtime's CUDA provider (CUDA 13 build) loads that this machine lacks.</summary>
    private static List<string> MissingCudaLibraries() =>
        [.. s_cudaLibraries.Where(library =>
        {
            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(library, out var handle))
            {
                return true;
            }

            System.Runtime.InteropServices.NativeLibrary.Free(handle);
            return false;
        })];

    private static InferenceSession Create(string name, string? modelPath, byte[]? model, int intraOpThreads, bool cuda)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (cuda)
        {
            options.AppendExecutionProvider_CUDA(0);
        }

        try
        {
            return modelPath is not null ? new InferenceSession(modelPath, options) : new InferenceSession(model!, options);
        }
        catch (OnnxRuntimeException ex) when (!cuda)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"ONNX model '{name}' could not be loaded: {ex.Message.Trim()}");
        }
    }

    private static List<TensorSpec> Describe(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        [.. metadata.Select(m => new TensorSpec(m.Key, m.Value.ElementType, m.Value.Dimensions.Select(d => (long)d).ToList()))];
}
