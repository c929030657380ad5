using MediaCluster.Actors;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;

namespace MediaCluster.Node;

/// <summary>The host's wiring of a node: its options become the actors' options, and the node joins the host's services.</summary>
internal static class MediaClusterHosting
{
    /// <summary>Adds the node (engines, the Akka actor system, <see cref="MediaNode"/>) configured from <paramref name="options"/>.</summary>
    public static IServiceCollection AddMediaCluster(this IServiceCollection services, NodeOptions options) =>
        services.AddMediaNode(ActorOptions(options));

    /// <summary>A seed given as host:port as an Akka address of this cluster's actor system.</summary>
    private static string SeedAddress(string seed) =>
        seed.LastIndexOf(':') is var colon and > 0 && int.TryParse(seed[(colon + 1)..], out var port) && port is > 0 and < 65536
            ? $"akka.tcp://{MediaClusterAkka.SystemName}@{seed[..colon]}:{port}"
            : throw new NodeSettingsException($"Node:Cluster:Seeds '{seed}' is not host:port (e.g. mc-0.mc:4053)");

    /// <summary>The actors' view of the node's settings.</summary>
    public static MediaNodeOptions ActorOptions(NodeOptions options) => new()
    {
        DataDirectory = Path.Combine(options.DataDirectory, "journal"),
        JournalConnectionString = options.Journal.ConnectionString,
        AsrSlots = options.AsrSlots,
        SegmentsPerJob = options.SegmentsPerJob,
        InferenceDevice = options.Inference.Device,
        VadSlots = options.VadSlots,
        Inbox = options.Inbox is { } inbox ? new WatchFolderOptions(Path.GetFullPath(inbox), options.ResultsRoot) : null,
        ClusterHost = options.Cluster.Host,
        ClusterPort = options.Cluster.Port,
        ClusterPublicHost = options.Cluster.PublicHostname,
        Seeds = [.. options.Cluster.Seeds.Select(SeedAddress)],
        Roles = options.Roles is [] ? MediaNodeOptions.AllRoles : options.Roles,
    };
}
