using MediaCluster.Runtime;

namespace MediaCluster.Runtime.Tests.Actors;

/// <summary>Replies to every message with the same message.</summary>
internal sealed class EchoActor : ActorBase
{
    public EchoActor() => ReceiveAny(m => Sender.Tell(m, Self));
}

/// <summary>Forwards lifecycle hooks and every message to a probe.</summary>
internal sealed class ReporterActor : ActorBase
{
    private readonly IActorRef _probe;
    private readonly string _name;

    public ReporterActor(IActorRef probe, string name)
    {
        _probe = probe;
        _name = name;
        Receive<Explode>(_ => throw new InvalidOperationException($"{_name} exploded"));
        ReceiveAny(m => _probe.Tell(m, Self));
    }

    protected override void PreStart() => _probe.Tell($"{_name} started", Self);

    protected override void PostStop() => _probe.Tell($"{_name} stopped", Self);
}

/// <summary>Makes a <see cref="ReporterActor"/> throw.</summary>
internal sealed record Explode;
