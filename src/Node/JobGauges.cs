using System.Diagnostics.Metrics;
using MediaCluster.Actors.Jobs;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Node;

/// <summary>The cluster's job counts and this node's job entities, asked every two seconds (the last answer kept through an outage).</summary>
internal sealed class JobGauges(IServiceProvider services, ILogger<JobGauges> log) : BackgroundService
{
    // Resolved once the host has started the actor system (hosted services are all made before any starts).
    private JobsGateway Jobs => services.GetRequiredService<JobsGateway>();

    private static readonly TimeSpan s_every = TimeSpan.FromSeconds(2);

    public JobCounts Counts { get; private set; } = new();

    public int InMemory { get; private set; }

    public IEnumerable<Measurement<long>> ByState()
    {
        var counts = Counts;
        return new (string State, long Count)[] { ("running", counts.Unfinished), ("completed", counts.Completed), ("failed", counts.Failed), ("cancelled", counts.Cancelled) }
            .Select(s => new Measurement<long>(s.Count, new KeyValuePair<string, object?>("state", s.State)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(s_every);
        do
        {
            try
            {
                Counts = await Jobs.CountsAsync(stoppingToken);
                InMemory = await Jobs.InMemoryAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogDebug("Job counts not refreshed: {Reason}", ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
