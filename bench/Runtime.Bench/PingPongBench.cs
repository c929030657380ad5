using System.Diagnostics;
using System.Threading.Channels;

namespace MediaCluster.Runtime.Bench;

/// <summary>
/// Pairs of actors bouncing one message object, as Akka.NET's PingPong does: each client starts with up
/// to 1,000 messages in flight and re-sends on every reply until it has sent its share. Run at several
/// dispatcher throughputs; the baseline is the same traffic over bare async channels (no actor runtime).
/// </summary>
internal static class PingPongBench
{
    private const int InFlight = 1000;
    private static readonly int[] s_throughputs = [1, 10, 100, 1000];

    public static async Task RunAsync(Report report)
    {
        var pairs = Environment.ProcessorCount * 2;
        const long totalMessages = 20_000_000;
        var perClient = totalMessages / 2 / pairs;
        report.Note($"pingpong: {pairs} pairs, {perClient:N0} round trips each, {InFlight} in flight per pair");

        await MeasureActorsAsync(pairs, perClient / 10, 100);
        var best = 0.0;
        foreach (var throughput in s_throughputs)
        {
            var rate = await MeasureActorsAsync(pairs, perClient, throughput);
            report.Figure($"pingpong_msgs_per_s_throughput_{throughput}", rate);
            best = Math.Max(best, rate);
        }

        await MeasureChannelsAsync(pairs, perClient / 10);
        var baseline = await MeasureChannelsAsync(pairs, perClient);
        report.Figure("pingpong_msgs_per_s", best);
        report.Figure("baseline_channels_msgs_per_s", baseline);
        report.Figure("pingpong_vs_channels_ratio", best / baseline);
    }

    private static async Task<double> MeasureActorsAsync(int pairs, long repeat, int throughput)
    {
        await using var system = ActorSystem.Create("pingpong", new ActorSystemOptions { Throughput = throughput });
        var done = new CountdownEvent(pairs);
        var clients = new List<IActorRef>();
        for (var i = 0; i < pairs; i++)
        {
            var destination = system.ActorOf(Props.Create<Destination>());
            clients.Add(system.ActorOf(Props.Create(() => new Client(destination, repeat, done))));
        }

        GC.Collect();
        var watch = Stopwatch.StartNew();
        foreach (var client in clients)
        {
            client.Tell(Run.Instance);
        }

        await Task.Run(() => done.Wait());
        watch.Stop();
        return pairs * repeat * 2 / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> MeasureChannelsAsync(int pairs, long repeat)
    {
        GC.Collect();
        var watch = Stopwatch.StartNew();
        var tasks = new List<Task>();
        for (var i = 0; i < pairs; i++)
        {
            var toDestination = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
            var toClient = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
            tasks.Add(Task.Run(async () =>
            {
                while (await toDestination.Reader.WaitToReadAsync())
                {
                    while (toDestination.Reader.TryRead(out var m))
                    {
                        toClient.Writer.TryWrite(m);
                    }
                }
            }));
            tasks.Add(Task.Run(async () =>
            {
                long sent = 0, received = 0;
                for (; sent < Math.Min(InFlight, repeat); sent++)
                {
                    toDestination.Writer.TryWrite(Msg.Instance);
                }

                while (received < repeat && await toClient.Reader.WaitToReadAsync())
                {
                    while (toClient.Reader.TryRead(out var m))
                    {
                        received++;
                        if (sent < repeat)
                        {
                            toDestination.Writer.TryWrite(m);
                            sent++;
                        }
                    }
                }

                toDestination.Writer.Complete();
            }));
        }

        await Task.WhenAll(tasks);
        watch.Stop();
        return pairs * repeat * 2 / watch.Elapsed.TotalSeconds;
    }

    private sealed class Msg
    {
        public static readonly Msg Instance = new();
    }

    private sealed class Run
    {
        public static readonly Run Instance = new();
    }

    private sealed class Destination : ActorBase
    {
        public Destination() => Receive<Msg>(m => Sender.Tell(m, Self));
    }

    private sealed class Client : ActorBase
    {
        private long _sent;
        private long _received;

        public Client(IActorRef destination, long repeat, CountdownEvent done)
        {
            Receive<Run>(_ =>
            {
                for (; _sent < Math.Min(InFlight, repeat); _sent++)
                {
                    destination.Tell(Msg.Instance, Self);
                }
            });
            Receive<Msg>(m =>
            {
                _received++;
                if (_sent < repeat)
                {
                    destination.Tell(m, Self);
                    _sent++;
                }
                else if (_received >= repeat)
                {
                    done.Signal();
                }
            });
        }
    }
}
