namespace MediaCluster.Runtime.Sharding;

/// <summary>A message for the entity with <paramref name="EntityId"/>, wherever it lives.</summary>
public sealed record ShardEnvelope(string EntityId, object Message);

/// <summary>Entity id → shard id: FNV-1a over the UTF-8 bytes (never <c>string.GetHashCode</c>, which differs per process).</summary>
public static class ShardHash
{
    /// <summary>The 32-bit FNV-1a hash of the id's UTF-8 bytes.</summary>
    public static uint Fnv1a(string entityId)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(entityId))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }

    /// <summary>The shard of an entity among <paramref name="shards"/>.</summary>
    public static int ShardOf(string entityId, int shards) => (int)(Fnv1a(entityId) % (uint)shards);
}

/// <summary>
/// The shard-region API: send a <see cref="ShardEnvelope"/> (or use <see cref="EntityRef"/>) and the
/// region routes it, with its sender, to the entity's shard, which creates the entity on first use. In an
/// embedded node every shard is local; the cluster will place shards on other nodes behind the same API.
/// </summary>
public sealed class ShardRegion : ActorBase
{
    private readonly Func<string, Props> _entityProps;
    private readonly int _shards;

    /// <summary>Creates a region of <paramref name="shards"/> shards whose entities are made by <paramref name="entityProps"/>.</summary>
    public ShardRegion(Func<string, Props> entityProps, int shards = 100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        _entityProps = entityProps;
        _shards = shards;
        Receive<ShardEnvelope>(envelope =>
        {
            var shardId = ShardHash.ShardOf(envelope.EntityId, _shards).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var shard = Context.Child(shardId) ?? Context.ActorOf(Props.Create(() => new Shard(_entityProps)), shardId);
            shard.Tell(envelope, Sender);
        });
    }

    /// <summary>A reference that wraps every message for one entity in a <see cref="ShardEnvelope"/>.</summary>
    public static IActorRef EntityRef(IActorRef region, string entityId) => new EntityReference(region, entityId);

    private sealed class Shard : ActorBase
    {
        public Shard(Func<string, Props> entityProps)
        {
            Receive<ShardEnvelope>(envelope =>
            {
                var name = "e-" + Uri.EscapeDataString(envelope.EntityId);
                var entity = Context.Child(name) ?? Context.Watch(Context.ActorOf(entityProps(envelope.EntityId), name));
                entity.Tell(envelope.Message, Sender);
            });
            Receive<Terminated>(_ => { });
        }
    }

    private sealed class EntityReference(IActorRef region, string entityId) : IActorRef
    {
        public string Path => $"{region.Path}#{entityId}";

        public void Tell(object message, IActorRef? sender = null) => region.Tell(new ShardEnvelope(entityId, message), sender);

        public override string ToString() => Path;
    }
}
