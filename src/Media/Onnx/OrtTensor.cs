using System.Runtime.InteropServices;

namespace MediaCluster.Media.Onnx;

/// <summary>
/// A tensor over a pinned managed array: ORT reads and writes the array in place (no copy), so the array
/// lives as long as the tensor. Reuse one tensor across runs by rewriting <see cref="Floats"/> or <see cref="Int64s"/>.
/// </summary>
public sealed unsafe class OrtTensor : IDisposable
{
    private static nint s_cpuMemory;
    private readonly Array _data;

    private OrtTensor(Array data, void* pointer, nuint bytes, long[] shape, TensorElementType type)
    {
        _data = data;
        var api = OrtApi.Instance;
        nint value;
        fixed (long* s = shape)
        {
            api.Check(api.CreateTensorWithDataAsOrtValue(CpuMemory(api), pointer, bytes, s, (nuint)shape.Length, (int)type, &value), "CreateTensor");
        }

        Value = value;
        Shape = shape;
    }

    /// <summary>The tensor's shape.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The float data (for float tensors).</summary>
    public float[] Floats => (float[])_data;

    /// <summary>The int64 data (for int64 tensors).</summary>
    public long[] Int64s => (long[])_data;

    internal nint Value { get; private set; }

    /// <summary>A float tensor of <paramref name="shape"/>, zero-filled.</summary>
    public static OrtTensor Float(params long[] shape)
    {
        var data = GC.AllocateArray<float>(checked((int)Count(shape)), pinned: true);
        return new OrtTensor(data, Unsafe(data), (nuint)(data.Length * sizeof(float)), shape, TensorElementType.Float);
    }

    /// <summary>An int64 tensor of <paramref name="shape"/> (empty shape: a scalar).</summary>
    public static OrtTensor Int64(params long[] shape)
    {
        var data = GC.AllocateArray<long>(checked((int)Count(shape)), pinned: true);
        return new OrtTensor(data, Unsafe(data), (nuint)(data.Length * sizeof(long)), shape, TensorElementType.Int64);
    }

    public void Dispose()
    {
        if (Value != 0)
        {
            OrtApi.Instance.ReleaseValue(Value);
            Value = 0;
        }
    }

    private static long Count(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The address of a pinned array's first element (valid for the array's life: it never moves).</summary>
    private static void* Unsafe<T>(T[] pinned) where T : unmanaged =>
        System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    private static nint CpuMemory(OrtApi api)
    {
        if (s_cpuMemory == 0)
        {
            nint info;
            api.Check(api.CreateCpuMemoryInfo(1, 0, &info), "CreateCpuMemoryInfo");
            if (Interlocked.CompareExchange(ref s_cpuMemory, info, 0) != 0)
            {
                api.ReleaseMemoryInfo(info);
            }
        }

        return s_cpuMemory;
    }
}
