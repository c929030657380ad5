namespace MediaCluster.Runtime;

/// <summary>Receive timeout: re-armed after every message that influences it; a stale tick is ignored.</summary>
internal sealed partial class ActorCell
{
    private TimeSpan? _receiveTimeout;
    private ITimer? _receiveTimeoutTimer;
    private int _receiveTimeoutGeneration;

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        _receiveTimeout = timeout is { } t && t > TimeSpan.Zero ? t : null;
        if (_receiveTimeout is null)
        {
            _receiveTimeoutGeneration++;
            _receiveTimeoutTimer?.Dispose();
            _receiveTimeoutTimer = null;
            return;
        }

        ArmReceiveTimeout();
    }

    private void ArmReceiveTimeout()
    {
        var generation = ++_receiveTimeoutGeneration;
        _receiveTimeoutTimer?.Dispose();
        _receiveTimeoutTimer = System.TimeProvider.CreateTimer(
            static state => ((ReceiveTimeoutTick)state!).Fire(),
            new ReceiveTimeoutTick(SelfRef, generation),
            _receiveTimeout!.Value,
            Timeout.InfiniteTimeSpan);
    }

    private sealed record ReceiveTimeoutTick(IActorRef Target, int Generation)
    {
        public void Fire() => Target.Tell(new ReceiveTimeoutFired(Generation));
    }
}
