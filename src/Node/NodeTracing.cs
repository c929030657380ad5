using MediaCluster.Actors.Hosting;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MediaCluster.Node;

/// <summary>
/// The node's traces, exported over OTLP/HTTP when <c>Node:Telemetry:OtlpEndpoint</c> is set: the cluster's own spans
/// (<see cref="Telemetry"/>: a job's submission, probe, speech detection, each segment's wait and recognition and each
/// scene's labelling on whichever node, the artifacts; live streams), ASP.NET Core's server spans (a request's
/// <c>traceparent</c> header continues the caller's trace) and HttpClient's. Every node of a cluster names the same
/// service and itself as the instance, so a job's trace shows which node did what.
/// </summary>
internal static class NodeTracing
{
    public static IServiceCollection Add(IServiceCollection services, NodeOptions options)
    {
        if (options.Telemetry.OtlpEndpoint is not { } endpoint)
        {
            return services;
        }

        var traces = new Uri(new Uri(endpoint.TrimEnd('/') + "/"), "v1/traces");
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("mediacluster-node", serviceInstanceId: $"{System.Net.Dns.GetHostName()}/{Environment.ProcessId}"))
            .WithTracing(tracing => tracing
                .AddSource(Telemetry.SourceName)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = traces;
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                }));
        return services;
    }
}
