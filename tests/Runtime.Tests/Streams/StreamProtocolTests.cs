using MediaCluster.Messages.Runtime;
using MediaCluster.Runtime;
using MediaCluster.Runtime.Streams;
using MediaCluster.Runtime.Tests.Protos;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Streams;

public sealed class StreamProtocolTests
{
    private const int Window = 8;
    private const int Total = 100;

    [Fact]
    public async Task SlowConsumer_BoundsWhatTheProducerSends()
    {
        await using var system = ActorSystem.Create("streams");
        var probe = new TestProbe(system);
        var consumer = system.ActorOf(Props.Create(() => new Consumer(probe.Ref)), "consumer");
        var producer = system.ActorOf(Props.Create(() => new Producer(consumer, probe.Ref)), "producer");
        consumer.Tell(producer);

        var rounds = 0;
        while (true)
        {
            var status = await probe.ReceiveAsync("the producer to run out of credit or finish");
            if (status is string done)
            {
                Assert.Equal($"received {Total} in order", done);
                break;
            }

            var blocked = Assert.IsType<Blocked>(status);
            rounds++;
            var expected = Math.Min(Total, Window + ((rounds - 1) * (Window / 2)));
            Assert.Equal(expected, blocked.Sent);
            var buffered = await consumer.Ask<long>("buffered?", TimeSpan.FromSeconds(10));
            Assert.Equal(Window, buffered);
            consumer.Tell("process half");
        }

        Assert.True(rounds > 10, $"only {rounds} back-pressure rounds");
    }

    [Fact]
    public void Inlet_ElementWithoutCredit_IsAProtocolViolation()
    {
        var inlet = new StreamInlet("s", ActorRefs.Nobody, ActorRefs.Nobody, window: 2);
        inlet.Start();
        inlet.Accept(new StreamElement("s", 1, new Chunk { Index = 1 }));
        inlet.Accept(new StreamElement("s", 2, new Chunk { Index = 2 }));
        var error = Assert.Throws<StreamProtocolException>(() => inlet.Accept(new StreamElement("s", 3, new Chunk { Index = 3 })));
        Assert.Equal("Stream 's': element 3 arrived without credit (granted 2).", error.Message);
        var order = Assert.Throws<StreamProtocolException>(() => new StreamInlet("t", ActorRefs.Nobody, ActorRefs.Nobody).Accept(new StreamElement("t", 2, new Chunk())));
        Assert.Equal("Stream 't': expected element 1, got 2.", order.Message);
    }

    [Fact]
    public void Outlet_SendWithoutDemand_Throws()
    {
        var outlet = new StreamOutlet("s", ActorRefs.Nobody, ActorRefs.Nobody);
        Assert.Throws<InvalidOperationException>(() => outlet.Send(new Chunk()));
        Assert.True(outlet.Handle(new StreamDemand { StreamId = "s", Credits = 1 }));
        Assert.False(outlet.Handle(new StreamDemand { StreamId = "other", Credits = 1 }));
        outlet.Send(new Chunk());
        Assert.False(outlet.CanSend);
    }

    private sealed record Blocked(long Sent);

    /// <summary>Sends <see cref="Total"/> chunks as fast as demand allows; reports each time it runs dry.</summary>
    private sealed class Producer : ActorBase
    {
        private readonly StreamOutlet _outlet;
        private readonly IActorRef _probe;
        private long _next;

        public Producer(IActorRef consumer, IActorRef probe)
        {
            _outlet = new StreamOutlet("audio", consumer, Self);
            _probe = probe;
            Receive<StreamDemand>(d =>
            {
                _outlet.Handle(d);
                Pump();
            });
        }

        private void Pump()
        {
            while (_outlet.CanSend && _next < Total)
            {
                _outlet.Send(new Chunk { Index = ++_next });
            }

            if (_next == Total)
            {
                _outlet.Complete();
            }
            else
            {
                _probe.Tell(new Blocked(_outlet.Sent));
            }
        }
    }

    /// <summary>Holds what arrives until told to process half the window.</summary>
    private sealed class Consumer : ActorBase
    {
        private readonly Queue<Chunk> _held = new();
        private StreamInlet? _inlet;
        private long _lastIndex;

        public Consumer(IActorRef probe)
        {
            Receive<IActorRef>(producer =>
            {
                _inlet = new StreamInlet("audio", producer, Self, Window);
                _inlet.Start();
            });
            Receive<StreamElement>(e => _held.Enqueue((Chunk)_inlet!.Accept(e)));
            Receive<string>(_ => Sender.Tell(_inlet!.Buffered), m => m == "buffered?");
            Receive<string>(
                _ =>
                {
                    for (var i = 0; i < Window / 2 && _held.Count > 0; i++)
                    {
                        var chunk = _held.Dequeue();
                        if (chunk.Index != ++_lastIndex)
                        {
                            probe.Tell($"out of order: {chunk.Index} after {_lastIndex - 1}");
                        }

                        _inlet!.Processed();
                    }
                },
                m => m == "process half");
            Receive<StreamCompleted>(c =>
            {
                _inlet!.HandleEnd(c, out var failure);
                while (_held.TryDequeue(out var chunk))
                {
                    _lastIndex = chunk.Index;
                }

                probe.Tell(failure ?? $"received {_lastIndex} in order");
            });
        }
    }
}
