using System.Collections.Frozen;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Messages.Serialization;

/// <summary>
/// Akka serializer for the project's protobuf messages, on the wire and in the journal. The manifest is the
/// message's protobuf full name (<c>mediacluster.jobs.JobAccepted</c>): it names the contract, never a CLR type,
/// so classes can be renamed or moved without breaking a journal. Changing a contract: add fields, never renumber.
/// </summary>
public sealed class ProtobufSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id recorded with each journal row (Akka reserves 0–100).</summary>
    public const int Id = 4711;

    /// <summary>The name the serializer is registered under in Akka's configuration.</summary>
    public const string Name = "mediacluster-protobuf";

    /// <summary>
    /// Every .proto file whose messages this serializer reads and writes: one per subsystem, all in the package
    /// <c>mediacluster.jobs</c> (the manifests journals hold name it; a message moves between files freely).
    /// </summary>
    public static IReadOnlyList<FileDescriptor> Contracts { get; } =
    [
        JobsReflection.Descriptor, SpeechReflection.Descriptor, ClassificationReflection.Descriptor, IndexReflection.Descriptor,
        IngestReflection.Descriptor, LiveReflection.Descriptor, StatusReflection.Descriptor, TrainingReflection.Descriptor,
    ];

    private static readonly FrozenDictionary<string, MessageParser> s_parsers = Contracts
        .SelectMany(file => file.MessageTypes)
        .ToFrozenDictionary(type => type.FullName, type => type.Parser, StringComparer.Ordinal);

    public ProtobufSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    /// <summary>
    /// The message classes to bind the serializer to: each contract's own type. (Akka.Remote binds its protobuf
    /// serializer, which writes CLR type names as manifests, to every <see cref="IMessage"/>; a binding to the exact
    /// type wins over that one.)
    /// </summary>
    public static IReadOnlyList<Type> BoundTypes { get; } = [.. Contracts.SelectMany(file => file.MessageTypes).Select(type => type.ClrType)];

    /// <inheritdoc/>
    public override int Identifier => Id;

    /// <summary>The manifest written for <paramref name="message"/>.</summary>
    public static string ManifestOf(IMessage message) => message.Descriptor.FullName;

    /// <inheritdoc/>
    public override string Manifest(object o) => o is IMessage message
        ? ManifestOf(message)
        : throw new ArgumentException($"{o.GetType().Name} is not a protobuf message; only src/Messages contracts may cross a node or enter the journal", nameof(o));

    /// <inheritdoc/>
    public override byte[] ToBinary(object obj) => ((IMessage)obj).ToByteArray();

    /// <inheritdoc/>
    public override object FromBinary(byte[] bytes, string manifest) => Decode(bytes, manifest);

    /// <summary>Decodes a payload; also for reading a journal outside an actor system (tests, tools).</summary>
    public static IMessage Decode(byte[] bytes, string manifest) => s_parsers.TryGetValue(manifest, out var parser)
        ? parser.ParseFrom(bytes)
        : throw new SerializationException($"unknown message manifest '{manifest}' (known: the messages of {string.Join(", ", Contracts.Select(c => c.Name))})");
}
