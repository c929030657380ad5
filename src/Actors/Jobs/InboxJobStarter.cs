using Akka.Actor;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>Turns each <see cref="StartInboxJob"/> of the watch folder into a registered, started job.</summary>
internal sealed class InboxJobStarter : ReceiveActor
{
    public InboxJobStarter(IActorRef index, IActorRef jobs)
    {
        Receive<StartInboxJob>(start =>
        {
            index.Tell(new RegisterJob { JobId = start.Spec.JobId });
            jobs.Tell(new StartJob { Spec = start.Spec });
        });
        Receive<RegisterJob>(_ => { });
        Receive<JobProgress>(_ => { });
    }

    public static Props Props(IActorRef index, IActorRef jobs) => Akka.Actor.Props.Create(() => new InboxJobStarter(index, jobs));
}
