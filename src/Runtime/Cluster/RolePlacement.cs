namespace MediaCluster.Runtime.Cluster;

/// <summary>A node of the cluster as placement sees it: its address and its roles.</summary>
public sealed record ClusterMember(string Address, IReadOnlySet<string> Roles)
{
    /// <summary>A member with the given roles.</summary>
    public static ClusterMember Of(string address, params IEnumerable<string> roles) =>
        new(address, roles.ToHashSet(StringComparer.Ordinal));
}

/// <summary>Where workers of a role go: the members that have the role, or every member when none has it.</summary>
public static class RolePlacement
{
    /// <summary>The members that host workers needing <paramref name="role"/>, in address order, and whether the role decided.</summary>
    public static (IReadOnlyList<ClusterMember> Hosts, bool ByRole) Hosts(IEnumerable<ClusterMember> members, string role)
    {
        var all = members.OrderBy(m => m.Address, StringComparer.Ordinal).ToList();
        if (all.Count == 0)
        {
            throw new ArgumentException("placement needs at least one member", nameof(members));
        }

        var withRole = all.Where(m => m.Roles.Contains(role)).ToList();
        return withRole.Count > 0 ? (withRole, true) : (all, false);
    }
}
