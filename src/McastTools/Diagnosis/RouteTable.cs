using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace McastLab.McastTools.Diagnosis;

/// <summary>The route a destination takes: its prefix ("224.0.0.0/4", "0.0.0.0/0") and the interface it leaves by.</summary>
internal sealed record RouteChoice(string Destination, int PrefixLength, string Interface, int Metric)
{
    public string Prefix => $"{Destination}/{PrefixLength}";

    /// <summary>A route made for multicast (inside 224.0.0.0/4 or ff00::/8), not the default or a unicast one that happens to cover it.</summary>
    public bool IsMulticastRoute => IPAddress.TryParse(Destination, out var d) && d.AddressFamily switch
    {
        AddressFamily.InterNetwork => PrefixLength >= 4 && (d.GetAddressBytes()[0] & 0xF0) == 0xE0,
        _ => PrefixLength >= 8 && d.IsIPv6Multicast,
    };
}

/// <summary>
/// The longest-prefix match over the kernel's routes as /proc/net/route (IPv4, the main table) and
/// /proc/net/ipv6_route (IPv6) show them to any user: the route a join or send by route takes.
/// </summary>
internal static class RouteTable
{
    public static RouteChoice? For(IPAddress destination) => destination.AddressFamily == AddressFamily.InterNetworkV6
        ? Best(ParseIpv6(ProcFile.Read("/proc/net/ipv6_route")), destination)
        : Best(ParseIpv4(ProcFile.Read("/proc/net/route")), destination);

    public static RouteChoice? Best(IEnumerable<RouteChoice> routes, IPAddress destination) => routes
        .Where(r => r.Interface != "lo" && Covers(r, destination))
        .OrderByDescending(r => r.PrefixLength).ThenBy(r => r.Metric)
        .FirstOrDefault();

    /// <summary>"Iface Destination Gateway Flags RefCnt Use Metric Mask ...": addresses in hex, host byte order.</summary>
    public static IReadOnlyList<RouteChoice> ParseIpv4(string table)
    {
        var result = new List<RouteChoice>();
        foreach (var f in ProcFile.Rows(table, 8).Skip(1))
        {
            if (!uint.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var destination)
                || !uint.TryParse(f[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
            {
                continue;
            }

            var metric = int.TryParse(f[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : 0;
            var prefix = System.Numerics.BitOperations.PopCount(mask);
            result.Add(new RouteChoice(new IPAddress(BitConverter.GetBytes(destination)).ToString(), prefix, f[0], metric));
        }

        return result;
    }

    /// <summary>"dest(32 hex) prefixlen src srclen nexthop metric refcnt use flags device", every table; only routes that are up (RTF_UP).</summary>
    public static IReadOnlyList<RouteChoice> ParseIpv6(string table)
    {
        var result = new List<RouteChoice>();
        foreach (var f in ProcFile.Rows(table, 10).Where(f => f[0].Length == 32))
        {
            var flags = uint.Parse(f[8], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            // RTF_UP (0x1); a local or rejecting route (RTF_REJECT 0x200) sends nothing out.
            if ((flags & 0x1) == 0 || (flags & 0x200) != 0)
            {
                continue;
            }

            result.Add(new RouteChoice(new IPAddress(Convert.FromHexString(f[0])).ToString(), int.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                f[9], (int)uint.Parse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }

        return result;
    }

    private static bool Covers(RouteChoice route, IPAddress destination)
    {
        if (!IPAddress.TryParse(route.Destination, out var network) || network.AddressFamily != destination.AddressFamily)
        {
            return false;
        }

        var a = network.GetAddressBytes();
        var b = destination.GetAddressBytes();
        for (var bit = 0; bit < route.PrefixLength; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

}
