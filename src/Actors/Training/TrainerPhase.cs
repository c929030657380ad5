namespace MediaCluster.Actors.Training;

/// <summary>What the trainer is doing.</summary>
public enum TrainerPhase
{
    /// <summary>No run.</summary>
    Idle,

    /// <summary>A run was given its dataset and is reading its files.</summary>
    Starting,

    /// <summary>Measuring the examples' features (the long part: clips decoded, pictures embedded).</summary>
    Features,

    /// <summary>The learner fits the model.</summary>
    Training,

    /// <summary>The new version against the promoted one, on the test split.</summary>
    Evaluating,
}

/// <summary>
/// The trainer's phase, for <see cref="TrainerPhase.Features"/> the share of examples done (0–1), and for a network's
/// <see cref="TrainerPhase.Training"/> where its training process is (epoch, step, loss).
/// </summary>
public readonly record struct TrainerProgress(TrainerPhase Phase, double Done = 0, string? Detail = null)
{
    /// <summary>As pbm and the API show it: "idle", "features 40%", "training", "training: epoch 2/8, step 300/938, loss 0.412" …</summary>
    public override string ToString() => Phase == TrainerPhase.Features
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"features {Done * 100:0}%")
        : Detail is { Length: > 0 } ? $"{Phase.ToString().ToLowerInvariant()}: {Detail}" : Phase.ToString().ToLowerInvariant();
}
