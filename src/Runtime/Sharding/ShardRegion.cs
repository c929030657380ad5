namespace MediaCluster.Runtime.Sharding;

/// <summary>A message for the entity with <paramref name="EntityId"/>, wherever it lives.</summary>
public sealed record ShardEnvelope(string EntityId, object Message);

/// <summary>
/// Sent by an entity to its parent (<c>Context.Parent</c>, the shard) to be stopped: the shard holds new messages for
/// it and sends it <paramref name="StopMessage"/>, on which the entity stops itself; held messages go to a new incarnation.
/// </summary>
public sealed record Passivate(object StopMessage);

/// <summary>Asks a region how many shards and live entities it has; answered with <see cref="RegionStats"/>.</summary>
public sealed record GetRegionStats
{
    public static GetRegionStats Instance { get; } = new();
}

/// <summary>A region's shards and the entities alive in them (passivated ones do not count).</summary>
public sealed record RegionStats(int Shards, int Entities);

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
    private readonly Dictionary<IActorRef, int> _entitiesPerShard = [];

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
        Receive<EntityCount>(count => _entitiesPerShard[Sender] = count.Entities);
        Receive<GetRegionStats>(_ => Sender.Tell(new RegionStats(_entitiesPerShard.Count, _entitiesPerShard.Values.Sum()), Self));
    }

    /// <summary>A shard's live entities, sent to the region whenever the number changes.</summary>
    private sealed record EntityCount(int Entities);

    /// <summary>A reference that wraps every message for one entity in a <see cref="ShardEnvelope"/>.</summary>
    public static IActorRef EntityRef(IActorRef region, string entityId) => new EntityReference(region, entityId);

    /// <summary>
    /// A shard: creates its entities on first use and passivates them on request. While an entity is passivating,
    /// messages for it wait here; when it has stopped, a new incarnation is created for them (none is lost).
    /// </summary>
    private sealed class Shard : ActorBase
    {
        private readonly Func<string, Props> _entityProps;
        private readonly Dictionary<IActorRef, string> _ids = [];
        private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = [];

        public Shard(Func<string, Props> entityProps)
        {
            _entityProps = entityProps;
            Receive<ShardEnvelope>(envelope =>
            {
                if (_passivating.TryGetValue(envelope.EntityId, out var waiting))
                {
                    waiting.Add((envelope.Message, Sender));
                    return;
                }

                EntityFor(envelope.EntityId).Tell(envelope.Message, Sender);
            });
            Receive<Passivate>(passivate =>
            {
                if (_ids.TryGetValue(Sender, out var id) && !_passivating.ContainsKey(id))
                {
                    _passivating[id] = [];
                    Sender.Tell(passivate.StopMessage, Self);
                }
            });
            Receive<Terminated>(t =>
            {
                if (!_ids.Remove(t.Actor, out var id))
                {
                    return;
                }

                Context.Parent.Tell(new EntityCount(_ids.Count), Self);
                if (!_passivating.Remove(id, out var waiting) || waiting.Count == 0)
                {
                    return;
                }

                var entity = EntityFor(id);
                foreach (var (message, sender) in waiting)
                {
                    entity.Tell(message, sender);
                }
            });
        }

        private IActorRef EntityFor(string id)
        {
            var name = "e-" + Uri.EscapeDataString(id);
            if (Context.Child(name) is { } existing)
            {
                return existing;
            }

            var entity = Context.Watch(Context.ActorOf(_entityProps(id), name));
            _ids[entity] = id;
            Context.Parent.Tell(new EntityCount(_ids.Count), Self);
            return entity;
        }
    }

    private sealed class EntityReference(IActorRef region, string entityId) : IActorRef
    {
        public string Path => $"{region.Path}#{entityId}";

        public void Tell(object message, IActorRef? sender = null) => region.Tell(new ShardEnvelope(entityId, message), sender);

        public override string ToString() => Path;
    }
}
