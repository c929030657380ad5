using Akka.Cluster.Sharding;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// Routes <see cref="IJobMessage"/>s to the job entity named by their job id (shard: a stable hash of the id).
/// Sharding's own messages (remember-entities' start) are handled by the base class.
/// </summary>
internal sealed class JobMessageExtractor(int shards) : HashCodeMessageExtractor(shards)
{
    public override string? EntityId(object message) => (message as IJobMessage)?.JobId;
}
