using Google.Protobuf;

namespace MediaCluster.Runtime.Streams;

/// <summary>
/// One element of a credit-based stream. The payload is a protobuf message, so the same element can be
/// serialized when the stream crosses nodes; locally it is passed by reference.
/// </summary>
public sealed record StreamElement(string StreamId, long Sequence, IMessage Payload);

/// <summary>The other side broke the stream protocol (an element without credit, out of order, or unknown).</summary>
public sealed class StreamProtocolException(string message) : Exception(message);
