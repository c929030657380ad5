using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Jobs;
using MediaCluster.Messages.Api;

namespace MediaCluster.Node.Cluster;

/// <summary>
/// The cluster routes under /api/cluster (what pbm's cluster palette calls): members, the jobs region and the nodes to
/// look at (everyday); leave and down (the operator's, on the management endpoint only).
/// </summary>
internal static class ClusterApi
{
    public static void Map(IEndpointRouteBuilder app, IEndpointRouteBuilder operatorRoutes)
    {
        app.MapGet("/api/cluster", (ClusterGateway cluster) => Results.Json(cluster.State(), ApiJson.Options));
        app.MapGet("/api/cluster/sharding/{name}", async (string name, JobsGateway jobs, CancellationToken ct) =>
            name == Actors.Hosting.MediaClusterAkka.JobsTypeName
                ? Results.Json(await jobs.RegionStatsAsync(ct), ApiJson.Options)
                : ApiErrors.Of($"no shard region '{name}' (regions: {Actors.Hosting.MediaClusterAkka.JobsTypeName})", StatusCodes.Status404NotFound));
        app.MapGet("/api/cluster/nodes", async (ClusterGateway cluster, CancellationToken ct) => Results.Json(
            (await cluster.NodeStatusesAsync(ct)).Select(s => new NodeStatusInfo(s.Address, s.AsrSlots, s.AsrBusy, s.AsrQueue, s.LiveSessions, s.LiveStreams, s.AsrRealtimeFactor)),
            ApiJson.Options));
        app.MapGet("/api/cluster/sharding", () => Results.Json(new[] { Actors.Hosting.MediaClusterAkka.JobsTypeName }, ApiJson.Options));
        operatorRoutes.MapPost("/api/cluster/leave", (MemberRequest request, ClusterGateway cluster) => OnMember(request, cluster.Leave, "leaving"));
        operatorRoutes.MapPost("/api/cluster/down", (MemberRequest request, ClusterGateway cluster) => OnMember(request, cluster.Down, "marked down"));
        operatorRoutes.MapPost("/api/cluster/down-unreachable", (ClusterGateway cluster) =>
        {
            var downed = cluster.DownUnreachable();
            return Results.Json(
                new ClusterCommandResult(downed.Count == 0 ? "no member is unreachable" : $"marked down: {string.Join(", ", downed)}"), ApiJson.Options);
        });
    }

    private static IResult OnMember(MemberRequest request, Action<string> act, string done)
    {
        if (string.IsNullOrWhiteSpace(request.Address))
        {
            return ApiErrors.Of("'address' is required (a member's address, e.g. akka.tcp://mediacluster@10.0.0.2:4053 or 10.0.0.2:4053)", StatusCodes.Status400BadRequest);
        }

        try
        {
            act(request.Address);
            return Results.Json(new ClusterCommandResult($"{request.Address}: {done}"), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
        }
        catch (ArgumentException ex)
        {
            return ApiErrors.Of(ex.Message, StatusCodes.Status404NotFound);
        }
    }
}
