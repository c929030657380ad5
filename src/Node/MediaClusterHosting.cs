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

    /// <summary>The actors' view of the node's settings.</summary>
    public static MediaNodeOptions ActorOptions(NodeOptions options) => new()
    {
        DataDirectory = Path.Combine(options.DataDirectory, "journal"),
        JournalConnectionString = options.Journal.ConnectionString,
        AsrSlots = options.AsrSlots,
        InferenceDevice = options.Inference.Device,
        VadSlots = options.VadSlots,
        Inbox = options.Inbox is { } inbox ? new WatchFolderOptions(Path.GetFullPath(inbox), options.ResultsRoot) : null,
        Roles = options.Roles is [] ? new MediaNodeOptions { DataDirectory = "" }.Roles : options.Roles,
    };
}
