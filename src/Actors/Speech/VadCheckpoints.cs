namespace MediaCluster.Actors.Speech;

/// <summary>A VAD checkpoint between its Media form (what <see cref="Media.Vad.SpeechFinder"/> gives and takes) and its message form.</summary>
internal static class VadCheckpoints
{
    public static Messages.Jobs.VadCheckpoint ToMessage(this Media.Vad.VadCheckpoint checkpoint) => new()
    {
        Position = checkpoint.Position,
        LastSegmentEnd = checkpoint.LastSegmentEnd,
        NextIndex = checkpoint.NextIndex,
        Memory = { checkpoint.Memory },
    };

    public static Media.Vad.VadCheckpoint ToCheckpoint(this Messages.Jobs.VadCheckpoint message) =>
        new(message.Position, message.LastSegmentEnd, message.NextIndex, [.. message.Memory]);
}
