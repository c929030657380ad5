using Akka.Actor;
using MediaCluster.Actors.Hosting;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// What a job needs from its node: the VAD queue (where gpu nodes take the job's VAD), the job index, the classifiers
/// (a router over every gpu node's: scenes and texts), the engines (the tasks' definitions), its clock and its log.
/// </summary>
public sealed record JobServices(
    IActorRef Vad,
    IActorRef Index,
    NodeEngines Engines,
    int SegmentsInFlight,
    TimeSpan PassivateAfter,
    TimeProvider Time,
    ILogger Log,
    IActorRef Classifiers,
    SceneWork Scenes)
{
    /// <summary>Incarnations in a row without progress before a job is quarantined (see <see cref="MediaNodeOptions.MaxCrashes"/>).</summary>
    public int MaxCrashes { get; init; } = 3;

    /// <summary>Jobs find who spoke when from the voices the gpu nodes measured (see <see cref="MediaNodeOptions.Diarization"/>).</summary>
    public bool Diarization { get; init; } = true;

    /// <summary>Where a job may read and write (see <see cref="MediaNodeOptions.JobPaths"/>); null: not checked.</summary>
    public JobPaths? Paths { get; init; }
}
