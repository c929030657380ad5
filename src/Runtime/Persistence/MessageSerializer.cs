using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MediaCluster.Runtime.Persistence;

/// <summary>
/// Protobuf payloads by manifest (the message's full protobuf name). Only registered types can be read
/// back: an unknown manifest or bytes that do not parse fail loudly, naming where they were found.
/// </summary>
public sealed class MessageSerializer
{
    private readonly ConcurrentDictionary<string, MessageParser> _parsers = new(StringComparer.Ordinal);

    /// <summary>Registers every message type declared in the given .proto files.</summary>
    public MessageSerializer Register(params FileDescriptor[] files)
    {
        foreach (var file in files)
        {
            foreach (var message in file.MessageTypes)
            {
                Register(message);
            }
        }

        return this;
    }

    /// <summary>Registers the given message types (and their nested types).</summary>
    public MessageSerializer Register(params MessageDescriptor[] descriptors)
    {
        foreach (var descriptor in descriptors)
        {
            Register(descriptor);
        }

        return this;
    }

    /// <summary>Registers one message type (and its nested types).</summary>
    public MessageSerializer Register(MessageDescriptor descriptor)
    {
        if (descriptor.Parser is not null)
        {
            _parsers[descriptor.FullName] = descriptor.Parser;
        }

        foreach (var nested in descriptor.NestedTypes)
        {
            Register(nested);
        }

        return this;
    }

    /// <summary>True when the manifest can be read back.</summary>
    public bool IsKnown(string manifest) => _parsers.ContainsKey(manifest);

    /// <summary>The manifest and bytes of a message; the type must be registered so it can be read back.</summary>
    public (string Manifest, byte[] Payload) Serialize(IMessage message)
    {
        var manifest = message.Descriptor.FullName;
        if (!_parsers.ContainsKey(manifest))
        {
            throw new InvalidOperationException(
                $"Cannot persist {manifest}: its type is not registered with the serializer, so it could never be recovered. Register its file descriptor first.");
        }

        return (manifest, message.ToByteArray());
    }

    /// <summary>Parses a journal or snapshot payload; a failure names the persistence id and sequence number.</summary>
    public IMessage Deserialize(string manifest, byte[] payload, string persistenceId, long sequenceNr, bool snapshot = false)
    {
        if (!_parsers.TryGetValue(manifest, out var parser))
        {
            throw new PersistenceRecoveryException(
                $"{Where(persistenceId, sequenceNr, snapshot)}: unknown manifest '{manifest}' (no registered protobuf type has that name).");
        }

        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new PersistenceRecoveryException(
                $"{Where(persistenceId, sequenceNr, snapshot)}: the {payload.Length}-byte payload is not a valid '{manifest}': {ex.Message}", ex);
        }
    }

    /// <summary>The opening of every recovery error: which stream, and where in it.</summary>
    internal static string Where(string persistenceId, long sequenceNr, bool snapshot = false) => snapshot
        ? $"Recovery of '{persistenceId}' failed at its snapshot at sequence number {sequenceNr}"
        : $"Recovery of '{persistenceId}' failed at sequence number {sequenceNr}";
}
