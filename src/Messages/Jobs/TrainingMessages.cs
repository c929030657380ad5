namespace MediaCluster.Messages.Jobs;

/// <summary>
/// Where a model version stands in the registry, and how a training run ended (<see cref="Failed"/>: no version made).
/// Stored as its lower-case name: the registry's status column and <see cref="TrainingFinished.Status"/> are text, for
/// an operator's SQL and for the journals written before this type.
/// </summary>
public enum ModelStatus
{
    /// <summary>Registered, not (yet) in use.</summary>
    Candidate,

    /// <summary>The version every classifier of its task uses (one per task).</summary>
    Promoted,

    /// <summary>Did not beat the promoted one; the reason says by how much.</summary>
    Rejected,

    /// <summary>Was promoted, then another version was.</summary>
    Retired,

    /// <summary>A training run that made no version (its reason says why).</summary>
    Failed,

    /// <summary>A training run stopped by request: no version, and its dataset may be trained again.</summary>
    Cancelled,
}

/// <summary>The text form of <see cref="ModelStatus"/>.</summary>
public static class ModelStatusText
{
    /// <summary>"candidate", "promoted", "rejected", "retired", "failed" or "cancelled".</summary>
    public static string Text(this ModelStatus status) => status switch
    {
        ModelStatus.Candidate => "candidate",
        ModelStatus.Promoted => "promoted",
        ModelStatus.Rejected => "rejected",
        ModelStatus.Retired => "retired",
        ModelStatus.Failed => "failed",
        ModelStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "no such model status"),
    };

    /// <summary>The status named by <paramref name="text"/> (exactly one of <see cref="Text"/>'s words), or null.</summary>
    public static ModelStatus? Parse(string text) => Enum.GetValues<ModelStatus>().Cast<ModelStatus?>().FirstOrDefault(s => s!.Value.Text() == text);
}

public sealed partial class TrainingFinished
{
    /// <summary>The run's outcome, as its <see cref="Status"/> text says (a word this release does not know reads as failed).</summary>
    public ModelStatus Outcome
    {
        get => ModelStatusText.Parse(Status) ?? ModelStatus.Failed;
        set => Status = value.Text();
    }
}
