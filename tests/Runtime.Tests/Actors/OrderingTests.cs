using MediaCluster.Runtime;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Actors;

public sealed class OrderingTests
{
    private const int Senders = 4;
    private const int PerSender = 20_000;

    [Fact]
    public async Task Tell_FromManyConcurrentSenders_KeepsEachSendersOrder()
    {
        await using var system = ActorSystem.Create("ordering", new ActorSystemOptions { Throughput = 1 });
        var probe = new TestProbe(system);
        var receiver = system.ActorOf(Props.Create(() => new SequenceChecker(probe.Ref, Senders * PerSender)));
        var start = new Barrier(Senders);
        var threads = Enumerable.Range(0, Senders).Select(s => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 1; i <= PerSender; i++)
            {
                receiver.Tell(new Numbered(s, i));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var report = await probe.ExpectMsgAsync<string>("the checker's report after all messages");
        Assert.Equal($"in order: {Senders * PerSender}", report);
    }

    private sealed record Numbered(int Sender, int Sequence);

    private sealed class SequenceChecker : ActorBase
    {
        private readonly Dictionary<int, int> _last = [];
        private int _received;

        public SequenceChecker(IActorRef probe, int expected)
        {
            Receive<Numbered>(n =>
            {
                var previous = _last.GetValueOrDefault(n.Sender);
                if (n.Sequence != previous + 1)
                {
                    probe.Tell($"out of order: sender {n.Sender} sent {n.Sequence} after {previous}");
                }

                _last[n.Sender] = n.Sequence;
                if (++_received == expected)
                {
                    probe.Tell($"in order: {_received}");
                }
            });
        }
    }
}
