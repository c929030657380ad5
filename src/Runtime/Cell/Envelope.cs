namespace MediaCluster.Runtime;

/// <summary>A message with its sender, as it sits in a mailbox.</summary>
internal readonly record struct Envelope(object Message, IActorRef? Sender);

/// <summary>Messages the cell handles itself before the actor sees them (one type test on the hot path).</summary>
internal interface IAutoReceived
{
}

/// <summary>A timer's tick, resolved against the timer's generation so a cancelled timer never delivers.</summary>
internal sealed record TimerFired(object Key, int Generation, object Message) : IAutoReceived;

/// <summary>A receive-timeout tick, valid only while its generation is current.</summary>
internal sealed record ReceiveTimeoutFired(int Generation) : IAutoReceived;

/// <summary>A watched actor died; delivered as <see cref="Terminated"/> only if still watched.</summary>
internal sealed record DeliverTerminated(IActorRef Actor) : IAutoReceived;
