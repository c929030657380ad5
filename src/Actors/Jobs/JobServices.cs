using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>What a job needs from its node: the workers, the job index, the engines, its clock and its log.</summary>
public sealed record JobServices(
    IActorRef AsrPool,
    IActorRef VadSlots,
    IActorRef Index,
    NodeEngines Engines,
    int SegmentsInFlight,
    TimeSpan PassivateAfter,
    TimeProvider Time,
    ILogger Log);
