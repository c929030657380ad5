using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Media.Onnx;

/// <summary>
/// ONNX Runtime's C API, read from the <c>OrtApi</c> function table by slot (see the ORT header,
/// <c>onnxruntime_c_api.h</c>: the table only grows at its end). Loaded once per process.
/// </summary>
internal sealed unsafe class OrtApi
{
    private const uint ApiVersion = 22;
    private static readonly Lock s_gate = new();
    private static OrtApi? s_instance;
    private readonly void** _table;

    private OrtApi(nint library, void** table, string libraryPath)
    {
        Library = library;
        _table = table;
        LibraryPath = libraryPath;
        CreateStatus = (delegate* unmanaged[Cdecl]<int, byte*, nint>)table[0];
        GetErrorMessage = (delegate* unmanaged[Cdecl]<nint, nint>)table[2];
        CreateEnv = (delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)table[3];
        CreateSession = (delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)table[7];
        Run = (delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint>)table[9];
        CreateSessionOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[10];
        SetIntraOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)table[24];
        SetInterOpNumThreads = (delegate* unmanaged[Cdecl]<nint, int, nint>)table[25];
        SessionGetInputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[30];
        SessionGetOutputCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[31];
        SessionGetInputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)table[33];
        SessionGetOutputTypeInfo = (delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)table[34];
        SessionGetInputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, nint*, nint>)table[36];
        SessionGetOutputName = (delegate* unmanaged[Cdecl]<nint, nuint, nint, nint*, nint>)table[37];
        CreateTensorWithDataAsOrtValue = (delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)table[49];
        GetTensorMutableData = (delegate* unmanaged[Cdecl]<nint, void**, nint>)table[51];
        CastTypeInfoToTensorInfo = (delegate* unmanaged[Cdecl]<nint, nint*, nint>)table[55];
        GetTensorElementType = (delegate* unmanaged[Cdecl]<nint, int*, nint>)table[60];
        GetDimensionsCount = (delegate* unmanaged[Cdecl]<nint, nuint*, nint>)table[61];
        GetDimensions = (delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)table[62];
        CreateCpuMemoryInfo = (delegate* unmanaged[Cdecl]<int, int, nint*, nint>)table[69];
        AllocatorFree = (delegate* unmanaged[Cdecl]<nint, nint, nint>)table[76];
        GetAllocatorWithDefaultOptions = (delegate* unmanaged[Cdecl]<nint*, nint>)table[78];
        ReleaseEnv = (delegate* unmanaged[Cdecl]<nint, void>)table[92];
        ReleaseStatus = (delegate* unmanaged[Cdecl]<nint, void>)table[93];
        ReleaseMemoryInfo = (delegate* unmanaged[Cdecl]<nint, void>)table[94];
        ReleaseSession = (delegate* unmanaged[Cdecl]<nint, void>)table[95];
        ReleaseValue = (delegate* unmanaged[Cdecl]<nint, void>)table[96];
        ReleaseTypeInfo = (delegate* unmanaged[Cdecl]<nint, void>)table[98];
        ReleaseSessionOptions = (delegate* unmanaged[Cdecl]<nint, void>)table[100];
    }

    public nint Library { get; }

    public string LibraryPath { get; }

    public readonly delegate* unmanaged[Cdecl]<int, byte*, nint> CreateStatus;
    public readonly delegate* unmanaged[Cdecl]<nint, nint> GetErrorMessage;
    public readonly delegate* unmanaged[Cdecl]<int, byte*, nint*, nint> CreateEnv;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint> CreateSession;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> CreateSessionOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetIntraOpNumThreads;
    public readonly delegate* unmanaged[Cdecl]<nint, int, nint> SetInterOpNumThreads;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetInputCount;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> SessionGetOutputCount;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetInputTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint> SessionGetOutputTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, nint*, nint> SessionGetInputName;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint, nint, nint*, nint> SessionGetOutputName;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue;
    public readonly delegate* unmanaged[Cdecl]<nint, void**, nint> GetTensorMutableData;
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, nint> CastTypeInfoToTensorInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, int*, nint> GetTensorElementType;
    public readonly delegate* unmanaged[Cdecl]<nint, nuint*, nint> GetDimensionsCount;
    public readonly delegate* unmanaged[Cdecl]<nint, long*, nuint, nint> GetDimensions;
    public readonly delegate* unmanaged[Cdecl]<int, int, nint*, nint> CreateCpuMemoryInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, nint> AllocatorFree;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint> GetAllocatorWithDefaultOptions;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseEnv;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseStatus;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseMemoryInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSession;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseValue;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseTypeInfo;
    public readonly delegate* unmanaged[Cdecl]<nint, void> ReleaseSessionOptions;

    /// <summary>The process-wide API table, loading the library on first use.</summary>
    public static OrtApi Instance
    {
        get
        {
            lock (s_gate)
            {
                return s_instance ??= Load(NativeFiles.Find("libonnxruntime.so.1"));
            }
        }
    }

    /// <summary>Throws an <see cref="OnnxException"/> carrying ORT's message when <paramref name="status"/> is an error.</summary>
    public void Check(nint status, string operation)
    {
        if (status == 0)
        {
            return;
        }

        var message = Marshal.PtrToStringUTF8(GetErrorMessage(status)) ?? "unknown error";
        ReleaseStatus(status);
        throw new OnnxException($"ONNX Runtime {operation} failed: {message}");
    }

    private static OrtApi Load(string path)
    {
        var library = NativeLibrary.Load(path);
        var getApiBase = (delegate* unmanaged[Cdecl]<nint>)NativeLibrary.GetExport(library, "OrtGetApiBase");
        var apiBase = (void**)getApiBase();
        var getApi = (delegate* unmanaged[Cdecl]<uint, void**>)apiBase[0];
        var table = getApi(ApiVersion);
        if (table is null)
        {
            var version = Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<nint>)apiBase[1])());
            throw new OnnxException($"{path} (ONNX Runtime {version}) does not offer API version {ApiVersion}.");
        }

        return new OrtApi(library, table, path);
    }
}

/// <summary>An ONNX Runtime call failed; the message is ORT's own.</summary>
public sealed class OnnxException(string message) : Exception(message);
