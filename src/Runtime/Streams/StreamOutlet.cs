using Google.Protobuf;
using MediaCluster.Messages.Runtime;

namespace MediaCluster.Runtime.Streams;

/// <summary>
/// The producing end of a stream, owned by the producer actor. It may send only as many elements as the
/// consumer has granted; the producer feeds it again when <see cref="Handle"/> reports new demand.
/// </summary>
public sealed class StreamOutlet(string streamId, IActorRef consumer, IActorRef self)
{
    private long _credits;
    private long _sent;

    /// <summary>The stream's id, shared with the consumer.</summary>
    public string StreamId { get; } = streamId;

    /// <summary>Elements the producer may still send without waiting.</summary>
    public long Credits => _credits;

    /// <summary>Elements sent so far.</summary>
    public long Sent => _sent;

    /// <summary>True once the consumer cancelled or the stream was completed or failed.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>The consumer's reason for cancelling, if it did.</summary>
    public string? CancelReason { get; private set; }

    /// <summary>True when an element may be sent now.</summary>
    public bool CanSend => !IsClosed && _credits > 0;

    /// <summary>Applies a demand or cancel for this stream; false when the message is not for this outlet.</summary>
    public bool Handle(object message)
    {
        switch (message)
        {
            case StreamDemand demand when demand.StreamId == StreamId:
                if (demand.Credits <= 0)
                {
                    throw new StreamProtocolException($"Stream '{StreamId}': demand must be positive, got {demand.Credits}.");
                }

                _credits += demand.Credits;
                return true;
            case StreamCancel cancel when cancel.StreamId == StreamId:
                IsClosed = true;
                CancelReason = cancel.Reason;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Sends one element; throws if the consumer has not granted credit for it.</summary>
    public void Send(IMessage payload)
    {
        if (!CanSend)
        {
            throw new InvalidOperationException(
                IsClosed ? $"Stream '{StreamId}' is closed." : $"Stream '{StreamId}' has no demand: wait for the consumer's StreamDemand.");
        }

        _credits--;
        consumer.Tell(new StreamElement(StreamId, ++_sent, payload), self);
    }

    /// <summary>Tells the consumer that no more elements follow.</summary>
    public void Complete()
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        consumer.Tell(new StreamCompleted { StreamId = StreamId, Count = _sent }, self);
    }

    /// <summary>Tells the consumer that the stream ended with an error.</summary>
    public void Fail(string reason)
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        consumer.Tell(new StreamFailed { StreamId = StreamId, Reason = reason }, self);
    }
}
