using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Tests;

/// <summary>Which kernel limit a refused join names, read from a sysctl tree laid out as /proc/sys is.</summary>
public sealed class MembershipLimitTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("mcast-sysctl-");

    private MembershipLimit Limit(long igmpMax, long optmem)
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "net", "ipv4"));
        Directory.CreateDirectory(Path.Combine(_root.FullName, "net", "core"));
        File.WriteAllText(Path.Combine(_root.FullName, "net", "ipv4", "igmp_max_memberships"), $"{igmpMax}\n");
        File.WriteAllText(Path.Combine(_root.FullName, "net", "core", "optmem_max"), $"{optmem}\n");
        return new MembershipLimit(_root.FullName);
    }

    [Fact]
    public void A_socket_full_at_the_IPv4_count_names_igmp_max_memberships()
    {
        var spread = Limit(20, 131072).Spread(isIPv6: false, perSocket: 20, groups: 64, sockets: 4);

        Assert.Equal("mcast recv: the kernel took 20 groups per socket (net.ipv4.igmp_max_memberships = 20), so the 64 groups are joined on 4 sockets.", spread);
    }

    [Fact]
    public void A_socket_full_below_the_count_or_on_IPv6_names_optmem_max()
    {
        Assert.Equal(MembershipLimit.OptionMemory, Limit(100_000, 1024).Which(isIPv6: false, held: 21));
        Assert.Equal(MembershipLimit.OptionMemory, Limit(20, 2048).Which(isIPv6: true, held: 36));
    }

    [Fact]
    public void A_refusal_on_a_fresh_socket_says_which_limit_and_how_to_raise_it()
    {
        var refused = Limit(0, 131072).Refused("239.1.1.1", isIPv6: false);

        Assert.Equal("the kernel refused to join 239.1.1.1 on a socket that holds no group yet (net.ipv4.igmp_max_memberships = 0), so no socket can join it; raise the limit in this network namespace, e.g. 'sysctl -w net.ipv4.igmp_max_memberships=20'.", refused);
    }

    [Fact]
    public void An_unreadable_sysctl_is_named_without_a_value()
    {
        var limit = new MembershipLimit(Path.Combine(_root.FullName, "absent"));

        Assert.Contains("net.core.optmem_max, unreadable here", limit.Refused("ff15::1", isIPv6: true), StringComparison.Ordinal);
    }

    public void Dispose() => _root.Delete(recursive: true);
}
