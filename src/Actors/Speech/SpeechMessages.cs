namespace MediaCluster.Actors.Speech;

/// <summary>Job → speech detector: "you may send <paramref name="Count"/> more segments".</summary>
internal sealed record RequestSegments(int Count);

/// <summary>Speech detector → job: the input is decoded to its end; <paramref name="Count"/> segments were sent in all.</summary>
internal sealed record SpeechDetectionEnded(int Count);

/// <summary>Speech detector → job: decoding or VAD failed (bad or truncated media); the reason names the cause.</summary>
internal sealed record SpeechDetectionFailed(string Reason);
