using System.Globalization;
using System.Net.Sockets;

namespace McastLab.McastTools.Sockets;

/// <summary>
/// Names the kernel limit a refused join ran into. IPv4 refuses with ENOBUFS when a socket already holds
/// net.ipv4.igmp_max_memberships groups (20 by default, per network namespace) or its option memory
/// (net.core.optmem_max) is used up; IPv6 has no count limit and refuses with ENOMEM at optmem_max (measured).
/// </summary>
internal sealed class MembershipLimit(string sysctlRoot = "/proc/sys")
{
    public const string IPv4Count = "net.ipv4.igmp_max_memberships";
    public const string OptionMemory = "net.core.optmem_max";

    /// <summary>True for the errors a full socket answers a join with.</summary>
    public static bool IsLimit(SocketException e) =>
        e.NativeErrorCode is LinuxNative.ENoBufs or LinuxNative.ENoMem || e.SocketErrorCode == SocketError.NoBufferSpaceAvailable;

    /// <summary>Which limit stopped a socket holding <paramref name="held"/> groups: the count limit when it is reached, else option memory.</summary>
    public string Which(bool isIPv6, int held) =>
        !isIPv6 && Read(IPv4Count) is { } max && held >= max ? IPv4Count : OptionMemory;

    /// <summary>The one line that says several sockets were needed, and why.</summary>
    public string Spread(bool isIPv6, int perSocket, int groups, int sockets)
    {
        var limit = Which(isIPv6, perSocket);
        return string.Create(CultureInfo.InvariantCulture,
            $"mcast recv: the kernel took {perSocket} groups per socket ({Setting(limit)}), so the {groups} groups are joined on {sockets} sockets.");
    }

    /// <summary>The error when even a fresh socket cannot join: no number of sockets helps.</summary>
    public string Refused(string group, bool isIPv6)
    {
        var limit = Which(isIPv6, 0);
        var raise = limit == IPv4Count ? $"'sysctl -w {IPv4Count}=20'" : $"'sysctl -w {OptionMemory}=131072'";
        return $"the kernel refused to join {group} on a socket that holds no group yet ({Setting(limit)}), so no socket can join it; raise the limit in this network namespace, e.g. {raise}.";
    }

    private string Setting(string name) => Read(name) is { } value
        ? string.Create(CultureInfo.InvariantCulture, $"{name} = {value}")
        : $"{name}, unreadable here";

    private long? Read(string name)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(sysctlRoot, name.Replace('.', '/'))).Trim();
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>The kernel refused a membership no further socket can hold (exit code 3).</summary>
internal sealed class MembershipRefusedException(string message) : Exception(message);
