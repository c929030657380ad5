namespace MediaCluster.Media;

/// <summary>Why a media operation failed, for callers that react differently (retry vs. fail the job).</summary>
public enum MediaErrorKind
{
    /// <summary>The input file does not exist.</summary>
    NotFound,

    /// <summary>The input is empty, not media, corrupt or truncated.</summary>
    InvalidInput,

    /// <summary>The input has no stream of the kind needed (e.g. no audio).</summary>
    MissingStream,

    /// <summary>A required tool or native library is not installed.</summary>
    ToolMissing,

    /// <summary>A tool failed for a reason not attributable to the input.</summary>
    ToolFailed,

    /// <summary>A tool ran past its deadline and was stopped (a loaded machine, or an input crafted to stall it).</summary>
    TimedOut,
}

/// <summary>A media failure whose message names the input and the cause.</summary>
public sealed class MediaException(MediaErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The class of failure.</summary>
    public MediaErrorKind Kind { get; } = kind;
}
