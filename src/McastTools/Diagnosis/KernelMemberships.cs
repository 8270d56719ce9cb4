using System.Globalization;
using System.Net;

namespace McastLab.McastTools.Diagnosis;

/// <summary>One group membership as the kernel holds it: the interface, the group, the sockets joined, the querier version seen.</summary>
internal sealed record KernelMembership(string Interface, IPAddress Group, int Users, string? QuerierVersion);

/// <summary>
/// The kernel's membership tables of the current network namespace: /proc/net/igmp (IPv4) and /proc/net/igmp6
/// (IPv6), readable by any user. They say where a join really landed, whatever the socket asked for.
/// </summary>
internal static class KernelMemberships
{
    public static IReadOnlyList<KernelMembership> Of(IPAddress group) =>
        [.. (group.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? ParseIgmp6(ProcFile.Read("/proc/net/igmp6")) : ParseIgmp(ProcFile.Read("/proc/net/igmp")))
            .Where(m => m.Group.Equals(group))];

    /// <summary>
    /// /proc/net/igmp: a device line ("5\tdocker0   :     2      V3": index, name, count, the querier version
    /// the interface last heard, V3 when none) followed by its groups, each the address as the kernel's 32-bit
    /// value in hex in host byte order (224.0.67.67 is 434300E0 on x86), then the users (sockets joined).
    /// </summary>
    public static IReadOnlyList<KernelMembership> ParseIgmp(string table)
    {
        var result = new List<KernelMembership>();
        string? device = null;
        string? querier = null;
        foreach (var line in table.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("Idx", StringComparison.Ordinal))
            {
                continue;
            }

            if (!char.IsWhiteSpace(line[0]))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var head = (colon < 0 ? line : line[..colon]).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                var tail = colon < 0 ? [] : line[(colon + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                device = head.Length > 1 ? head[1] : null;
                querier = tail.Length > 1 ? tail[1] : null;
                continue;
            }

            var entry = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (device is not null && entry.Length > 1 && uint.TryParse(entry[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var raw))
            {
                var users = int.TryParse(entry[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) ? u : 1;
                result.Add(new KernelMembership(device, new IPAddress(BitConverter.GetBytes(raw)), users, querier));
            }
        }

        return result;
    }

    /// <summary>/proc/net/igmp6: "index device group(32 hex digits) users flags timer" per membership.</summary>
    public static IReadOnlyList<KernelMembership> ParseIgmp6(string table)
    {
        var result = new List<KernelMembership>();
        foreach (var fields in ProcFile.Rows(table, 4).Where(f => f[2].Length == 32))
        {
            var users = int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) ? u : 1;
            result.Add(new KernelMembership(fields[1], new IPAddress(Convert.FromHexString(fields[2])), users, null));
        }

        return result;
    }

}
