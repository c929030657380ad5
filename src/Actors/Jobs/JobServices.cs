using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// What a job needs from its node: the segment queue (ASR on every gpu node), the VAD slots, the job index, the
/// scene classifiers (a router over every gpu node's), the engines (VAD), its clock and its log.
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
    IActorRef SceneClassifiers,
    SceneSettings Scenes);
