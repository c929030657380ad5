namespace MediaCluster.Actors.Hosting;

/// <summary>What a node does in its cluster (its Akka.Cluster roles, written in lower case).</summary>
public enum NodeRole
{
    /// <summary>Takes HTTP requests, live sessions and the page; forwards jobs to the jobs nodes.</summary>
    Api,

    /// <summary>Hosts job shards (decoding, speech detection, the segment queue), the job index and the trainer.</summary>
    Jobs,

    /// <summary>Runs the recognisers (segments and live streams) and the classifiers.</summary>
    Gpu,
}

/// <summary>Role names as the cluster knows them.</summary>
public static class NodeRoles
{
    /// <summary>The role's name in the cluster: api, jobs, gpu.</summary>
    public static string Name(this NodeRole role) => role.ToString().ToLowerInvariant();
}
