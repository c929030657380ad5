using System.Threading.Channels;
using Akka.Actor;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// Subscribes to a job and hands its progress to a reader, each change once. A subscription lives in the job's
/// memory, so it is renewed every few seconds: a job restarted (or moved to another node) keeps its followers.
/// </summary>
internal sealed class JobFollower : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan s_renew = TimeSpan.FromSeconds(5);
    private JobProgress? _last;

    public JobFollower(IActorRef jobs, string jobId, ChannelWriter<JobProgress> updates)
    {
        // An address other nodes can resolve (host and port included).
        var subscribe = new SubscribeToJob { JobId = jobId, Subscriber = Akka.Serialization.Serialization.SerializedActorPath(Self) };
        jobs.Tell(subscribe);
        Receive<Renew>(_ => jobs.Tell(subscribe));
        Receive<JobProgress>(progress =>
        {
            if (!progress.Equals(_last))
            {
                _last = progress;
                updates.TryWrite(progress);
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef jobs, string jobId, ChannelWriter<JobProgress> updates) =>
        Akka.Actor.Props.Create(() => new JobFollower(jobs, jobId, updates));

    protected override void PreStart() => Timers.StartPeriodicTimer("renew", Renew.Instance, s_renew);

    private sealed record Renew
    {
        public static Renew Instance { get; } = new();
    }
}
