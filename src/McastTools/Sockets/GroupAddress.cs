using System.Net;
using System.Net.Sockets;

namespace McastLab.McastTools.Sockets;

/// <summary>A multicast group, optionally with the interface written after a % (iperf's `G%IF`).</summary>
internal sealed record GroupAddress(IPAddress Address, string? InterfaceName)
{
    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    public static GroupAddress Parse(string text)
    {
        var percent = text.IndexOf('%', StringComparison.Ordinal);
        var addressText = percent < 0 ? text : text[..percent];
        var interfaceName = percent < 0 ? null : text[(percent + 1)..];
        if (interfaceName is { Length: 0 })
        {
            throw new EndpointException($"'{text}' has an empty interface after '%'; write G%IF, e.g. 224.0.67.67%eth1.");
        }

        if (!IPAddress.TryParse(addressText, out var address) || !IsMulticast(address))
        {
            throw new EndpointException($"'{addressText}' is not a multicast group; use an address in 224.0.0.0/4 or ff00::/8, e.g. 224.0.67.67.");
        }

        return new GroupAddress(address, interfaceName);
    }

    public static bool IsMulticast(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => (address.GetAddressBytes()[0] & 0xF0) == 0xE0,
        AddressFamily.InterNetworkV6 => address.IsIPv6Multicast,
        _ => false,
    };

    /// <summary>Link-local scoped groups (224.0.0.0/24, ff02::) name no route: they need an interface.</summary>
    public bool IsLinkLocal => IsIPv6
        ? (Address.GetAddressBytes()[1] & 0x0F) <= 2
        : Address.GetAddressBytes() is [224, 0, 0, _];

    /// <summary>
    /// Groups a source filter cannot apply to: the link-local control block, whose members the kernel joins
    /// for itself (224.0.0.0/24, ff0x::1 all-nodes, ff0x::2 all-routers).
    /// </summary>
    public string? WhySourceSpecificIsImpossible(IPAddress source)
    {
        if (source.AddressFamily != Address.AddressFamily)
        {
            return $"source {source} and group {Address} are of different IP families; give a source of the group's family.";
        }

        if (IsMulticast(source) || source.Equals(IPAddress.Any) || source.Equals(IPAddress.IPv6Any) || source.Equals(IPAddress.Broadcast))
        {
            return $"{source} cannot be a multicast source; give the sender's unicast address.";
        }

        var bytes = Address.GetAddressBytes();
        var controlBlock = IsIPv6
            ? bytes.AsSpan(2, 13).IndexOfAnyExcept((byte)0) < 0 && bytes[15] is 1 or 2
            : bytes is [224, 0, 0, _];
        return controlBlock
            ? $"group {Address} is a link-local control group that every host joins, so a source-specific join cannot filter it; use a group in 232.0.0.0/8 or ff3x::/32."
            : null;
    }
}
