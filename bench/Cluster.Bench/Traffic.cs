using System.Diagnostics;
using System.Globalization;
using MediaCluster.Testing;

namespace MediaCluster.Bench;

/// <summary>
/// Bytes the cluster's nodes have received from each other over their open cluster connections (TLS included), read
/// from the kernel's per-socket counters (<c>ss -tinp</c>: bytes_received of each socket a node owns whose local or
/// peer port is a cluster port). Connections closed before the reading are not counted, so it is read on a fault-free
/// run before the nodes stop.
/// </summary>
internal static class Traffic
{
    /// <summary>Bytes received per (receiving node, sending node), by index into <paramref name="nodes"/>.</summary>
    public static async Task<Dictionary<(int To, int From), long>> BetweenAsync(IReadOnlyList<NodeProcess> nodes, IReadOnlyCollection<int> clusterPorts)
    {
        var info = new ProcessStartInfo("ss", ["-tinpH", "state", "established"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var ss = Process.Start(info)!;
        var lines = (await ss.StandardOutput.ReadToEndAsync()).Split('\n');
        await ss.WaitForExitAsync();

        // A socket line, then its info line: (owner pid, local port, peer port, bytes received).
        var sockets = new List<(int Pid, int Local, int Peer, long Received)>();
        for (var i = 0; i + 1 < lines.Length; i++)
        {
            var fields = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var pidAt = lines[i].IndexOf("pid=", StringComparison.Ordinal);
            if (fields.Length < 4 || pidAt < 0 || !TryPort(fields[2], out var local) || !TryPort(fields[3], out var peer))
            {
                continue;
            }

            var pidText = new string(lines[i][(pidAt + 4)..].TakeWhile(char.IsAsciiDigit).ToArray());
            var receivedAt = lines[i + 1].IndexOf("bytes_received:", StringComparison.Ordinal);
            var received = receivedAt < 0 ? "0" : new string(lines[i + 1][(receivedAt + 15)..].TakeWhile(char.IsAsciiDigit).ToArray());
            if (int.TryParse(pidText, CultureInfo.InvariantCulture, out var pid) && long.TryParse(received, CultureInfo.InvariantCulture, out var bytes))
            {
                sockets.Add((pid, local, peer, bytes));
            }
        }

        var nodeOf = nodes.Select((n, i) => (n.Pid, i)).ToDictionary(p => p.Pid, p => p.i);
        var ownerOfPort = sockets.Where(s => nodeOf.ContainsKey(s.Pid)).GroupBy(s => s.Local).ToDictionary(g => g.Key, g => nodeOf[g.First().Pid]);
        var between = new Dictionary<(int To, int From), long>();
        foreach (var (pid, local, peer, received) in sockets)
        {
            if (nodeOf.TryGetValue(pid, out var to) && (clusterPorts.Contains(local) || clusterPorts.Contains(peer))
                && ownerOfPort.TryGetValue(peer, out var from) && from != to)
            {
                between[(to, from)] = between.GetValueOrDefault((to, from)) + received;
            }
        }

        return between;
    }

    private static bool TryPort(string endpoint, out int port) =>
        int.TryParse(endpoint[(endpoint.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture, out port);
}
