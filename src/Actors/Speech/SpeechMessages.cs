namespace MediaCluster.Actors.Speech;

/// <summary>Decoder → job: decoding failed (bad or truncated media); the reason names the cause.</summary>
internal sealed record SpeechDetectionFailed(string Reason);

/// <summary>Job → its node's VAD queue: a session opened for it (its request is no longer the queue's to give back).</summary>
public sealed record VadTaken
{
    public static VadTaken Instance { get; } = new();
}

/// <summary>Job → its node's VAD queue: it no longer wants a session (it ended, or moved).</summary>
public sealed record WithdrawVad
{
    public static WithdrawVad Instance { get; } = new();
}
