using Akka.Actor;
using MediaCluster.Actors.Live;
using MediaCluster.Actors.Speech;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// Every node's <c>/user/node-status</c>: answers <see cref="GetNodeStatus"/> with this node's slots, queue and live
/// sessions, so one node can show the whole cluster's (the page's cluster view).
/// </summary>
internal sealed class NodeStatus : ReceiveActor
{
    public const string Name = "node-status";

    public NodeStatus(AsrMetrics asr, LiveMetrics live) =>
        Receive<GetNodeStatus>(_ => Sender.Tell(new NodeStatusReport
        {
            Address = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString(),
            AsrSlots = asr.Slots,
            AsrBusy = asr.Busy,
            AsrQueue = asr.Waiting,
            LiveSessions = live.Sessions,
            LiveStreams = live.Streams,
            AsrRealtimeFactor = asr.RealTimeFactor,
        }));

    public static Props Props(AsrMetrics asr, LiveMetrics live) => Akka.Actor.Props.Create(() => new NodeStatus(asr, live));
}
