using MediaCluster.Actors.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MediaCluster.Node;

/// <summary>
/// Liveness and readiness through ASP.NET Core's health checks, open on both listeners: <c>/healthz</c> is the process
/// answering ("ok"); <c>/readyz</c> runs the readiness checks — this node is an Up cluster member, and the journal and
/// the job index answer (<see cref="NodeHealth"/>, fed by the journal probe) — and answers "ready", or 503 with the
/// first cause.
/// </summary>
internal static class NodeHealthChecks
{
    private const string Ready = "ready";

    public static IServiceCollection AddNodeHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<MembershipCheck>("cluster", tags: [Ready])
            .AddCheck<JournalCheck>("journal", tags: [Ready]);
        return services;
    }

    public static void MapNodeHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = (context, _) => context.Response.WriteAsync("ok") });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = (context, report) => context.Response.WriteAsync(
                report.Entries.Values.FirstOrDefault(e => e.Status != HealthStatus.Healthy).Description ?? "ready"),
        });
    }

    /// <summary>Ready only once this node is an Up member of its cluster.</summary>
    private sealed class MembershipCheck(ClusterGateway cluster) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(cluster.IsUp ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("not yet a cluster member"));
    }

    /// <summary>Ready only while the journal and the job index answer.</summary>
    private sealed class JournalCheck(NodeHealth health) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(health.Problem is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy());
    }
}
