namespace MediaCluster.Messages.Jobs;

/// <summary>A message for one job: the shard region routes it to the job's entity by <see cref="JobId"/>.</summary>
public interface IJobMessage
{
    /// <summary>The job (entity) this message is for.</summary>
    string JobId { get; }
}

public sealed partial class StartJob : IJobMessage
{
    /// <inheritdoc/>
    public string JobId => Spec.JobId;
}

public sealed partial class CancelJob : IJobMessage;

public sealed partial class GetJobProgress : IJobMessage;

public sealed partial class RetryJob : IJobMessage;

public sealed partial class RenameSpeaker : IJobMessage;

public sealed partial class SubscribeToJob : IJobMessage;

public sealed partial class JobProgress
{
    /// <summary>True once the job does no more work (see <see cref="JobStates.IsTerminal"/>).</summary>
    public bool IsTerminal => State.IsTerminal();
}

/// <summary>What a job's state means: the one definition of "ended" that the job, its progress and the API share.</summary>
public static class JobStates
{
    /// <summary>True for a state in which the job does no more work: completed, failed or cancelled.</summary>
    public static bool IsTerminal(this JobState state) => state is JobState.Completed or JobState.Failed or JobState.Cancelled;
}
