using MediaCluster.Messages.Jobs;
using MediaCluster.Runtime;

namespace MediaCluster.Actors.Jobs;

/// <summary>Starts (or resumes) the job; repeating it changes nothing.</summary>
public sealed record StartJob(JobSpec Spec);

/// <summary>Stops the work and records <see cref="JobCancelled"/>.</summary>
public sealed record CancelJob(string Reason);

/// <summary>Sends the subscriber a <see cref="JobProgress"/> now and on every change until the job ends.</summary>
public sealed record SubscribeToJob(IActorRef Subscriber);

/// <summary>Replies with the current <see cref="JobProgress"/>.</summary>
public sealed record GetJobProgress
{
    public static GetJobProgress Instance { get; } = new();
}

/// <summary>Where a job is in its life.</summary>
public static class JobStates
{
    public const string New = "new";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>True for a state (possibly followed by ": reason") in which the job does no more work.</summary>
    public static bool IsTerminal(string state) =>
        state.StartsWith(Completed, StringComparison.Ordinal) || state.StartsWith(Failed, StringComparison.Ordinal)
        || state.StartsWith(Cancelled, StringComparison.Ordinal);
}

/// <summary>What a job needs from its node: the workers and the engines.</summary>
public sealed record JobServices(
    IActorRef AsrPool, IActorRef VadSlots, Media.Vad.SileroVad Vad, int SegmentsInFlight, string Engine, string Model, TimeSpan PassivateAfter);
