using System.Runtime.InteropServices;

namespace MediaCluster.Node.Live;

/// <summary>Binary frames as PCM16: a sample split over two frames is joined.</summary>
internal sealed class PcmBytes
{
    private byte? _carry;

    public ReadOnlySpan<short> Take(byte[] bytes)
    {
        var joined = _carry is { } c ? [c, .. bytes] : bytes;
        _carry = joined.Length % 2 == 1 ? joined[^1] : null;
        return MemoryMarshal.Cast<byte, short>(joined.AsSpan(0, joined.Length & ~1));
    }
}
