using System.Threading.Channels;
using Akka.Actor;
using MediaCluster.Actors.Hosting;

namespace MediaCluster.Actors.Live;

/// <summary>The way in to live audio for a host: open a session, with this node's limits and live metrics.</summary>
public sealed class LiveGateway(ActorSystem system, MediaNodeOptions options, LiveMetrics metrics)
{
    /// <summary>The live-audio limits and utterance settings of this node.</summary>
    public LiveLimits Limits => options.Live;

    /// <summary>Live sessions and streams, partial latency, live real-time factor.</summary>
    public LiveMetrics Metrics => metrics;

    /// <summary>
    /// Opens a live session (<see cref="LiveSession"/>) whose results go to <paramref name="output"/>; the caller sends it
    /// <see cref="LiveSession.Audio"/> (asking, to wait for room) and <see cref="LiveSession.End"/>, and stops it
    /// when its client goes away. <paramref name="hints"/>: what the client asked of the recogniser (phrases, alternatives).
    /// Its streams' spans join the current trace (the WebSocket request's).
    /// </summary>
    public IActorRef Open(string id, ChannelWriter<LiveOutput> output, Media.Asr.RecognitionHints hints) =>
        system.ActorOf(LiveSession.Props(id, options.Live, metrics, output, options.TimeProvider, hints, System.Diagnostics.Activity.Current?.Id ?? string.Empty), $"live-{id}");
}
