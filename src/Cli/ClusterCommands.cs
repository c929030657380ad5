using System.CommandLine;

namespace MediaCluster.Cli;

/// <summary>The "cluster" palette: members, leave and down, the shard regions.</summary>
internal static class ClusterCommands
{
    public static Command Create(PbmCli cli)
    {
        var cluster = new Command("cluster", "the cluster: members, leave, down, shard regions");
        var show = new Command("show", "members (address, roles, status, reachability), leader and oldest");
        show.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) => PbmCli.ShowAsync(async () => reporter.Cluster(await client.ClusterAsync(ct))), ct));
        cluster.Subcommands.Add(show);
        foreach (var (name, description) in new[] { ("leave", "a member leaves gracefully (its shards are handed off)"), ("down", "mark a member down (one known dead that has not been downed)") })
        {
            var address = new Argument<string>("ADDRESS") { Description = "a member's address (akka.tcp://mediacluster@HOST:PORT or HOST:PORT)" };
            var command = new Command(name, description) { address };
            command.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
                PbmCli.ShowAsync(async () => reporter.Said(await client.ClusterCommandAsync(name, parse.GetValue(address), ct))), ct));
            cluster.Subcommands.Add(command);
        }

        var downUnreachable = new Command("down-unreachable", "mark every unreachable member down");
        downUnreachable.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            PbmCli.ShowAsync(async () => reporter.Said(await client.ClusterCommandAsync("down-unreachable", null, ct))), ct));
        cluster.Subcommands.Add(downUnreachable);

        var regions = new Command("regions", "the shard regions");
        regions.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            PbmCli.ShowAsync(async () => reporter.Said(string.Join("\n", await client.RegionsAsync(ct)))), ct));
        var region = new Argument<string>("NAME") { Description = "a shard region's name" };
        var stats = new Command("region-stats", "a region's shards and entities per node") { region };
        stats.SetAction((parse, ct) => cli.RunAsync(parse, (client, reporter) =>
            PbmCli.ShowAsync(async () => reporter.Region(await client.RegionStatsAsync(parse.GetValue(region)!, ct))), ct));
        cluster.Subcommands.Add(new Command("sharding", "the cluster's shard regions") { regions, stats });
        return cluster;
    }
}
