using Akka.Actor;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Ingest;

/// <summary>
/// Turns each <see cref="StartInboxJob"/> of the watch folder into a registered, started job, and acknowledges it once
/// both are done; a failed or unanswered step is not acknowledged, so the watch folder sends the start again.
/// </summary>
internal sealed class InboxJobStarter : ReceiveActor
{
    public InboxJobStarter(IActorRef index, IActorRef jobs, TimeSpan timeout)
    {
        Receive<StartInboxJob>(start =>
        {
            var spec = start.Spec;
            var replyTo = Sender;
            StartAsync(spec).ContinueWith(
                t =>
                {
                    if (t.Exception is null)
                    {
                        replyTo.Tell(new InboxJobAcknowledged(spec.JobId));
                    }
                },
                TaskScheduler.Default);
        });

        async Task StartAsync(JobSpec spec)
        {
            await index.Ask<RegisterJob>(new RegisterJob { JobId = spec.JobId }, timeout);
            using var submitting = Hosting.Telemetry.Submitting(spec);
            await jobs.Ask<JobProgress>(new StartJob { Spec = spec }, timeout);
        }
    }

    public static Props Props(IActorRef index, IActorRef jobs, TimeSpan timeout) => Akka.Actor.Props.Create(() => new InboxJobStarter(index, jobs, timeout));
}
