using Akka.Actor;
using Akka.Configuration;
using MediaCluster.Actors.Hosting;
using MediaCluster.Testing;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Actors.Tests;

/// <summary>
/// A node with the cluster's certificate talks TLS with mutual authentication: a peer presenting the same certificate
/// reaches its actors and joins; a peer with another certificate, or speaking plain TCP, does neither.
/// </summary>
public sealed class ClusterSecurityTests : IDisposable
{
    private const string Password = "s3cret";
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task OnlyAPeerWithTheClusterCertificate_ReachesAnActorAndJoins()
    {
        using var clusterCertificate = TestCertificates.SelfSigned();
        using var strangerCertificate = TestCertificates.SelfSigned(); // the same subject, another key
        var clusterFile = TestCertificates.WritePkcs12(clusterCertificate, Path.Combine(_directory, "cluster.pfx"), Password);
        var strangerFile = TestCertificates.WritePkcs12(strangerCertificate, Path.Combine(_directory, "stranger.pfx"), Password);

        var logs = new CapturingLoggerProvider();
        using var loggerFactory = logs.CreateFactory();
        await using var node = await EmbeddedNode.StartAsync(
            new MediaNodeOptions { DataDirectory = Path.Combine(_directory, "data"), AsrSlots = 1, ClusterCertificate = clusterCertificate }, loggerFactory);
        var address = Akka.Cluster.Cluster.Get(node.System).SelfAddress;

        using var stranger = Peer("stranger", address, strangerFile);
        using var plain = Peer("plain", address, certificate: null);
        using var friend = Peer("friend", address, clusterFile);

        // The first association (a TLS handshake) can take longer than one 5-s ask on a loaded machine: the friend
        // tries for a minute; the others' single tries below come after it, over a warm node.
        var reached = false;
        for (var deadline = DateTime.UtcNow.AddMinutes(1); !reached && DateTime.UtcNow < deadline;)
        {
            reached = await ReachesAsync(friend, $"{address}/user/asr");
        }

        Assert.True(reached, "a peer with the cluster's certificate reaches the node's segment queue");
        var friendAddress = Akka.Cluster.Cluster.Get(friend).SelfAddress;
        await UntilAsync(() => MemberAddresses(node).Contains(friendAddress), "the friend joins the node's cluster");

        Assert.False(await ReachesAsync(stranger, $"{address}/user/asr"), "a peer with another certificate reaches the node's segment queue");
        Assert.False(await ReachesAsync(plain, $"{address}/user/asr"), "a peer without TLS reaches the node's segment queue");
        Assert.Equal(new[] { address, friendAddress }.Order(), MemberAddresses(node).Order());
        await logs.WaitForAsync(e => e.Level == LogLevel.Warning && e.Message.Contains("did not present the cluster's certificate", StringComparison.Ordinal) && e.Message.Contains(Hosting.MediaClusterAkka.Sha256(strangerCertificate), StringComparison.Ordinal), "the node logs the stranger's refused certificate");
        await Task.WhenAll(friend.Terminate(), stranger.Terminate(), plain.Terminate());
    }

    /// <summary>
    /// A rotation step: a node on the old certificate that also trusts the new one, and a node on the new certificate
    /// that also trusts the old one, validate each other and form one cluster; a third certificate is still refused.
    /// </summary>
    [Fact]
    public async Task NodesOnTheOldAndTheNewCertificate_ThatTrustEachOther_FormOneCluster()
    {
        using var oldCertificate = TestCertificates.SelfSigned();
        using var newCertificate = TestCertificates.SelfSigned();
        using var strangerCertificate = TestCertificates.SelfSigned();
        var strangerFile = TestCertificates.WritePkcs12(strangerCertificate, Path.Combine(_directory, "stranger.pfx"), Password);
        await using var oldNode = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(_directory, "old"),
            AsrSlots = 1,
            ClusterCertificate = oldCertificate,
            TrustedCertificateHashes = [Hosting.MediaClusterAkka.Sha256(newCertificate)],
        });
        var oldAddress = Akka.Cluster.Cluster.Get(oldNode.System).SelfAddress;
        await using var newNode = await EmbeddedNode.StartAsync(new MediaNodeOptions
        {
            DataDirectory = Path.Combine(_directory, "new"),
            AsrSlots = 1,
            Roles = ["gpu"],
            Seeds = [oldAddress.ToString()],
            ClusterCertificate = newCertificate,
            TrustedCertificateHashes = [Hosting.MediaClusterAkka.Sha256(oldCertificate)],
        });
        var newAddress = Akka.Cluster.Cluster.Get(newNode.System).SelfAddress;

        await UntilAsync(() => MemberAddresses(oldNode).Contains(newAddress), "the node on the new certificate joins the node on the old one");
        await UntilAsync(() => MemberAddresses(newNode).Contains(oldAddress) && MemberAddresses(newNode).Contains(newAddress), "the node on the new certificate sees both Up");
        using var stranger = Peer("stranger", oldAddress, strangerFile);
        Assert.False(await ReachesAsync(stranger, $"{oldAddress}/user/asr"), "a peer with a third certificate reaches the old node's segment queue");
        Assert.False(await ReachesAsync(stranger, $"{newAddress}/user/asr-workers"), "a peer with a third certificate reaches the new node's workers");
        await stranger.Terminate();
    }

    /// <summary>
    /// A peer presenting a certificate the node trusts (pinned by its SHA-256 hash) but that has expired is refused,
    /// and the node says why; the same pin on a certificate within its dates is accepted.
    /// </summary>
    [Fact]
    public async Task APeerWithAnExpiredTrustedCertificate_IsRefused()
    {
        using var clusterCertificate = TestCertificates.SelfSigned();
        using var expired = TestCertificates.SelfSigned(notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        var expiredFile = TestCertificates.WritePkcs12(expired, Path.Combine(_directory, "expired.pfx"), Password);
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = logs.CreateFactory();
        await using var node = await EmbeddedNode.StartAsync(
            new MediaNodeOptions
            {
                DataDirectory = Path.Combine(_directory, "data"),
                AsrSlots = 1,
                ClusterCertificate = clusterCertificate,
                TrustedCertificateHashes = [Hosting.MediaClusterAkka.Sha256(expired)],
            },
            loggerFactory);
        var address = Akka.Cluster.Cluster.Get(node.System).SelfAddress;

        using var late = Peer("late", address, expiredFile);
        Assert.False(await ReachesAsync(late, $"{address}/user/asr"), "a peer with an expired certificate reaches the node's segment queue");
        await logs.WaitForAsync(
            e => e.Level == LogLevel.Warning && e.Message.Contains(Hosting.MediaClusterAkka.Sha256(expired), StringComparison.Ordinal) && e.Message.Contains("it has expired", StringComparison.Ordinal),
            "the node logs the expired certificate it refused");
        Assert.Equal(new[] { address }, MemberAddresses(node));
        await late.Terminate();
    }

    /// <summary>Whether <paramref name="peer"/> finds the actor at <paramref name="path"/> (an unreachable one is answered by dead letters with no subject, or not at all).</summary>
    private static async Task<bool> ReachesAsync(ActorSystem peer, string path)
    {
        try
        {
            return (await peer.ActorSelection(path).Ask<ActorIdentity>(new Identify(path), TimeSpan.FromSeconds(5))).Subject is not null;
        }
        catch (Exception ex) when (ex is AskTimeoutException or Akka.Remote.RemoteTransportException)
        {
            return false;
        }
    }

    private static List<Address> MemberAddresses(EmbeddedNode node) =>
        [.. Akka.Cluster.Cluster.Get(node.System).State.Members.Where(m => m.Status == Akka.Cluster.MemberStatus.Up).Select(m => m.Address)];

    /// <summary>A bare actor system that tries to join <paramref name="seed"/> — over TLS with <paramref name="certificate"/>, or plain TCP.</summary>
    private static ActorSystem Peer(string name, Address seed, string? certificate)
    {
        var tls = certificate is null ? "enable-ssl = off" : $$"""
            enable-ssl = on
            ssl {
              suppress-validation = on
              certificate { path = "{{certificate}}", password = "{{Password}}" }
            }
            """;
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = ERROR
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp {
              hostname = 127.0.0.1
              port = 0
              {{tls}}
            }
            akka.cluster.seed-nodes = ["{{seed}}"]
            akka.cluster.roles = [{{name}}]
            """);
        return ActorSystem.Create(Hosting.MediaClusterAkka.SystemName, config);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within 60 s");
            await Task.Delay(100);
        }
    }
}
