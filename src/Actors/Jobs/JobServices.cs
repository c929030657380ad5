using Akka.Actor;
using MediaCluster.Actors.Hosting;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// What a job needs from its node: the segment queue (ASR on every gpu node), the VAD slots, the job index, the
/// classifiers (a router over every gpu node's: scenes and texts), the engines (VAD), its clock and its log.
/// </summary>
public sealed record JobServices(
    IActorRef Segments,
    IActorRef VadSlots,
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

    /// <summary>Where a job may read and write (see <see cref="MediaNodeOptions.JobPaths"/>); null: not checked.</summary>
    public JobPaths? Paths { get; init; }
}
