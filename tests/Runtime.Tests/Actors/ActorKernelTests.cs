using MediaCluster.Runtime;
using MediaCluster.Testing;

namespace MediaCluster.Runtime.Tests.Actors;

public sealed class ActorKernelTests : IAsyncLifetime
{
    private readonly ActorSystem _system = ActorSystem.Create("kernel");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Tell_ToEcho_RepliesToSender()
    {
        var probe = new TestProbe(_system);
        var echo = _system.ActorOf(Props.Create<EchoActor>(), "echo");
        probe.Send(echo, "hello");
        Assert.Equal("hello", await probe.ExpectMsgAsync<string>("the echo"));
        Assert.Same(echo, probe.LastSender);
        Assert.Equal("/user/echo", echo.Path);
    }

    [Fact]
    public async Task ReceiveAsync_WhileAwaiting_HoldsTheMailbox()
    {
        var probe = new TestProbe(_system);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var actor = _system.ActorOf(Props.Create(() => new SlowActor(gate.Task, probe.Ref)));
        actor.Tell("slow");
        actor.Tell("fast");
        Assert.Equal("slow entered", await probe.ExpectMsgAsync<string>("the slow handler to begin"));
        gate.SetResult();
        Assert.Equal("slow done", await probe.ExpectMsgAsync<string>("the slow handler to finish before anything else"));
        Assert.Equal("fast", await probe.ExpectMsgAsync<string>("the next message after the async handler"));
    }

    [Fact]
    public async Task Become_ThenUnbecome_SwitchesHandlers()
    {
        var probe = new TestProbe(_system);
        var actor = _system.ActorOf(Props.Create<MoodActor>());
        probe.Send(actor, "mood");
        Assert.Equal("calm", await probe.ExpectMsgAsync<string>("calm"));
        probe.Send(actor, "anger");
        probe.Send(actor, "mood");
        Assert.Equal("angry", await probe.ExpectMsgAsync<string>("angry after BecomeStacked"));
        probe.Send(actor, "relax");
        probe.Send(actor, "mood");
        Assert.Equal("calm", await probe.ExpectMsgAsync<string>("calm after Unbecome"));
    }

    [Fact]
    public async Task ActorOf_DuplicateName_Throws()
    {
        _system.ActorOf(Props.Create<EchoActor>(), "twin");
        var error = Assert.Throws<InvalidActorNameException>(() => _system.ActorOf(Props.Create<EchoActor>(), "twin"));
        Assert.Contains("'twin' is not unique under '/user'", error.Message);
        Assert.Throws<InvalidActorNameException>(() => _system.ActorOf(Props.Create<EchoActor>(), "a/b"));
        await Task.CompletedTask;
    }

    [Fact]
    public void NewActor_OutsideTheSystem_ExplainsHowToCreateIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new EchoActor());
        Assert.Contains("must be created by the actor system", error.Message);
    }

    [Fact]
    public async Task Ask_WithReply_ReturnsIt_AndFailureThrowsCause()
    {
        var echo = _system.ActorOf(Props.Create<EchoActor>());
        Assert.Equal(42, await echo.Ask<int>(42, TimeSpan.FromSeconds(10)));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => echo.Ask<int>(new Status.Failure(new InvalidOperationException("nope")), TimeSpan.FromSeconds(10)));
        Assert.Equal("nope", error.Message);
        var cast = await Assert.ThrowsAsync<InvalidCastException>(() => echo.Ask<int>("text", TimeSpan.FromSeconds(10)));
        Assert.Contains("expected a Int32 but got a String", cast.Message);
    }

    [Fact]
    public async Task Ask_WithoutReply_ThrowsAskTimeoutNamingTheTarget()
    {
        var time = new ManualTimeProvider();
        await using var system = ActorSystem.Create("ask", timeProvider: time);
        var silent = system.ActorOf(Props.Create<SilentActor>(), "silent");
        var ask = silent.Ask<string>("anyone?", TimeSpan.FromSeconds(5));
        await time.WaitForTimerAsync(d => d == TimeSpan.FromSeconds(5), "the ask timeout");
        Assert.False(ask.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<AskTimeoutException>(() => ask);
        Assert.Equal("Ask to '/user/silent' with String timed out after 5000 ms: no reply arrived.", error.Message);
    }

    private sealed class SilentActor : ActorBase
    {
        public SilentActor() => ReceiveAny(_ => { });
    }

    private sealed class SlowActor : ActorBase
    {
        public SlowActor(Task gate, IActorRef probe)
        {
            ReceiveAsync<string>(
                async _ =>
                {
                    probe.Tell("slow entered");
                    await gate;
                    probe.Tell("slow done");
                },
                m => m == "slow");
            Receive<string>(m => probe.Tell(m));
        }
    }

    private sealed class MoodActor : ActorBase
    {
        public MoodActor()
        {
            Receive<string>(_ => Sender.Tell("calm"), m => m == "mood");
            Receive<string>(_ => BecomeStacked(Angry), m => m == "anger");
        }

        private void Angry()
        {
            Receive<string>(_ => Sender.Tell("angry"), m => m == "mood");
            Receive<string>(_ => Unbecome(), m => m == "relax");
        }
    }
}
