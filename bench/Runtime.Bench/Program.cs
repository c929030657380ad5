using MediaCluster.Runtime.Bench;

// ./mc bench runtime [pingpong|persist|recover|all]: prints one "name: value" line per figure.
var what = args.Length > 0 ? args[0] : "all";
var report = new Report();
switch (what)
{
    case "pingpong":
        await PingPongBench.RunAsync(report);
        break;
    case "persist":
        await PersistBench.RunAsync(report, recover: false);
        break;
    case "recover":
        await PersistBench.RunAsync(report, persist: false);
        break;
    case "all":
        await PingPongBench.RunAsync(report);
        await PersistBench.RunAsync(report);
        break;
    default:
        Console.Error.WriteLine($"unknown part '{what}': use pingpong, persist, recover or all");
        return 2;
}

return 0;
