using Akka.Actor;
using Akka.Pattern;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// A persistent actor stops whenever a journal write or replay fails (the journal unreachable): Akka's backoff
/// supervisor starts it again after 0.5 s, doubling to 5 s, until a replay succeeds. While it is stopped, a request to
/// it is answered at once with a failure naming it (an ask fails fast, and the API answers 503), not left to time out.
/// </summary>
public static class Restarting
{
    /// <summary>First wait before a restart.</summary>
    public static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between restarts (the most a recovery lags behind the journal's return).</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>The props of a supervisor that runs <paramref name="props"/> as its child <paramref name="name"/>, restarting it with backoff.</summary>
    public static Props WithBackoff(Props props, string name, string what) =>
        BackoffSupervisor.Props(
            Backoff.OnStop(props, name, MinBackoff, MaxBackoff, randomFactor: 0.2, maxNrOfRetries: -1)
                .WithReplyWhileStopped(new Status.Failure(new ServiceUnavailableException($"{what} is restarting (its journal was unavailable)"))));
}

/// <summary>A part of the node that cannot answer now (the journal, or an actor restarting after a journal failure); try again shortly.</summary>
public sealed class ServiceUnavailableException(string message) : Exception(message)
{
    /// <summary>
    /// The cluster could not answer now — an ask that timed out, or one that met an actor restarting after a journal
    /// failure: worth trying again later, never the request's own fault.
    /// </summary>
    public static bool IsCause(Exception ex) => ex is AskTimeoutException or ServiceUnavailableException;
}
