using Google.Protobuf;
using MediaCluster.Messages.Runtime;

namespace MediaCluster.Runtime.Streams;

/// <summary>
/// The consuming end of a stream, owned by the consumer actor. It grants a window of credits, checks every
/// element against them, and grants more only as elements are marked processed — so a slow consumer slows
/// the producer and nothing buffers beyond the window.
/// </summary>
public sealed class StreamInlet
{
    private readonly IActorRef _producer;
    private readonly IActorRef _self;
    private readonly int _window;
    private readonly int _batch;
    private long _granted;
    private long _received;
    private long _processed;
    private long _processedAtLastGrant;

    /// <summary>Creates the inlet; <paramref name="window"/> is the most elements ever in flight or unprocessed.</summary>
    public StreamInlet(string streamId, IActorRef producer, IActorRef self, int window = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        StreamId = streamId;
        _producer = producer;
        _self = self;
        _window = window;
        _batch = Math.Max(1, window / 2);
    }

    /// <summary>The stream's id, shared with the producer.</summary>
    public string StreamId { get; }

    /// <summary>Elements received and not yet marked processed.</summary>
    public long Buffered => _received - _processed;

    /// <summary>True once the producer completed or failed the stream, or this side cancelled it.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Grants the first window of credits.</summary>
    public void Start()
    {
        _granted = _window;
        _producer.Tell(new StreamDemand { StreamId = StreamId, Credits = _window }, _self);
    }

    /// <summary>Validates an element and returns its payload; throws on a protocol violation.</summary>
    public IMessage Accept(StreamElement element)
    {
        if (element.StreamId != StreamId)
        {
            throw new StreamProtocolException($"Element of stream '{element.StreamId}' reached the inlet of '{StreamId}'.");
        }

        if (element.Sequence != _received + 1)
        {
            throw new StreamProtocolException($"Stream '{StreamId}': expected element {_received + 1}, got {element.Sequence}.");
        }

        if (_received >= _granted)
        {
            throw new StreamProtocolException($"Stream '{StreamId}': element {element.Sequence} arrived without credit (granted {_granted}).");
        }

        _received++;
        return element.Payload;
    }

    /// <summary>Marks elements done; grants the freed credits back in batches of half the window.</summary>
    public void Processed(int count = 1)
    {
        _processed += count;
        if (_processed > _received)
        {
            throw new InvalidOperationException($"Stream '{StreamId}': marked {_processed} processed but only {_received} arrived.");
        }

        var freed = _processed - _processedAtLastGrant;
        if (!IsClosed && freed >= _batch)
        {
            _processedAtLastGrant = _processed;
            _granted += freed;
            _producer.Tell(new StreamDemand { StreamId = StreamId, Credits = freed }, _self);
        }
    }

    /// <summary>Records the end of the stream announced by the producer; false when the message is not for this inlet.</summary>
    public bool HandleEnd(object message, out string? failure)
    {
        failure = null;
        switch (message)
        {
            case StreamCompleted completed when completed.StreamId == StreamId:
                if (completed.Count != _received)
                {
                    failure = $"Stream '{StreamId}' completed after {completed.Count} elements but {_received} arrived.";
                }

                IsClosed = true;
                return true;
            case StreamFailed failed when failed.StreamId == StreamId:
                failure = failed.Reason;
                IsClosed = true;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Asks the producer to stop.</summary>
    public void Cancel(string reason)
    {
        if (IsClosed)
        {
            return;
        }

        IsClosed = true;
        _producer.Tell(new StreamCancel { StreamId = StreamId, Reason = reason }, _self);
    }
}
