using Akka.Actor;
using Akka.Cluster;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Hosting;

/// <summary>
/// The way in to the cluster itself for a host: membership (up, members, leave, down) and what every member is doing.
/// </summary>
public sealed class ClusterGateway(ActorSystem system)
{
    private readonly Cluster _cluster = Cluster.Get(system);

    /// <summary>True once this node is an Up member of its cluster.</summary>
    public bool IsUp => _cluster.SelfMember.Status == MemberStatus.Up;

    /// <summary>Members of this node's cluster that are Up, as this node sees them.</summary>
    public int MembersUp => _cluster.State.Members.Count(m => m.Status == MemberStatus.Up);

    /// <summary>Completes once this node is Up in its cluster.</summary>
    public Task WhenUpAsync(CancellationToken cancellationToken = default)
    {
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _cluster.RegisterOnMemberUp(() => up.TrySetResult());
        return up.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The cluster's members as this node sees them, with leader and oldest.</summary>
    public ClusterInfo State()
    {
        var state = _cluster.State;
        var oldest = state.Members.Where(m => m.Status == MemberStatus.Up).OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();
        return new ClusterInfo(
            _cluster.SelfAddress.ToString(),
            state.Leader?.ToString(),
            oldest?.Address.ToString(),
            [.. state.Members.Select(m => new MemberInfo(
                m.Address.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)], m.Status.ToString().ToLowerInvariant(), !state.Unreachable.Contains(m)))]);
    }

    /// <summary>Asks <paramref name="address"/> to leave the cluster gracefully (its shards are handed off).</summary>
    public void Leave(string address) => _cluster.Leave(MemberAddress(address));

    /// <summary>Marks <paramref name="address"/> down (for a node known dead that the resolver has not downed).</summary>
    public void Down(string address) => _cluster.Down(MemberAddress(address));

    /// <summary>Downs every unreachable member; returns their addresses.</summary>
    public IReadOnlyList<string> DownUnreachable()
    {
        var unreachable = _cluster.State.Unreachable.Select(m => m.Address).ToList();
        unreachable.ForEach(_cluster.Down);
        return [.. unreachable.Select(a => a.ToString())];
    }

    /// <summary>What every Up member is doing now (slots, queue, live sessions); a member that does not answer within 2 s is left out.</summary>
    public async Task<IReadOnlyList<NodeStatusReport>> NodeStatusesAsync(CancellationToken cancellationToken = default)
    {
        var members = _cluster.State.Members.Where(m => m.Status == MemberStatus.Up).ToList();
        var answers = await Task.WhenAll(members.Select(async member =>
        {
            try
            {
                return await system.ActorSelection(new RootActorPath(member.Address) / "user" / NodeStatus.Name)
                    .Ask<NodeStatusReport>(new GetNodeStatus(), TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (AskTimeoutException)
            {
                return null;
            }
        }));
        return [.. answers.OfType<NodeStatusReport>()];
    }

    /// <summary>A member's address from text, or an error naming the members there are.</summary>
    private Address MemberAddress(string address)
    {
        var members = _cluster.State.Members;
        return members.FirstOrDefault(m => m.Address.ToString() == address || $"{m.Address.Host}:{m.Address.Port}" == address)?.Address
            ?? throw new ArgumentException($"no member '{address}' (members: {string.Join(", ", members.Select(m => m.Address))})");
    }
}
