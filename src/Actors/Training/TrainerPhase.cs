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

/// <summary>The trainer's phase, and for <see cref="TrainerPhase.Features"/> the share of examples done (0–1).</summary>
public readonly record struct TrainerProgress(TrainerPhase Phase, double Done = 0)
{
    /// <summary>As pbm and the API show it: "idle", "features 40%", "training" …</summary>
    public override string ToString() => Phase == TrainerPhase.Features
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"features {Done * 100:0}%")
        : Phase.ToString().ToLowerInvariant();
}
