namespace MediaCluster.Media.Onnx;

/// <summary>Where an ONNX model runs (<c>Node:Inference:Device</c>).</summary>
public enum InferenceDevice
{
    /// <summary>CUDA when this build and machine have it, else the CPU (one log line says which and why).</summary>
    Auto,

    /// <summary>The CPU only.</summary>
    Cpu,

    /// <summary>CUDA or nothing: a model that cannot start on CUDA is an error naming what is missing.</summary>
    Cuda,
}
