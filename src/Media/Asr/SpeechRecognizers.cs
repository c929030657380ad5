namespace MediaCluster.Media.Asr;

/// <summary>The speech recognisers a node can run (<c>Node:Asr:Engine</c>).</summary>
public enum AsrEngine
{
    /// <summary>pocketsphinx with Debian's en-us model: the default, installed by <c>mc setup</c>.</summary>
    PocketSphinx,

    /// <summary>whisper.cpp through Whisper.net, with a ggml model file the operator provides.</summary>
    Whisper,
}

/// <summary>Which recogniser a node runs and how.</summary>
public sealed record RecognizerOptions
{
    public AsrEngine Engine { get; init; } = AsrEngine.PocketSphinx;

    /// <summary>Required when <see cref="Engine"/> is <see cref="AsrEngine.Whisper"/>.</summary>
    public WhisperOptions? Whisper { get; init; }

    /// <summary>Makes the recogniser with <paramref name="slots"/> segments at once (default: the engine's own, by cores).</summary>
    public ISpeechRecognizer Create(int? slots) => Engine switch
    {
        AsrEngine.Whisper => new WhisperRecognizer(
            Whisper ?? throw new MediaException(MediaErrorKind.ToolMissing, "The whisper engine needs a model file (Node:Asr:WhisperModel)."), slots),
        _ => new PocketSphinxRecognizer(concurrency: slots),
    };
}
