using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace McastLab.McastTools.Sockets;

/// <summary>The network interfaces of the current network namespace.</summary>
internal static class InterfaceCatalog
{
    public sealed record Interface(string Name, int Index, IReadOnlyList<IPAddress> Addresses)
    {
        public IPAddress? FirstIPv4 => Addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
    }

    public static Interface Resolve(string name)
    {
        var all = NetworkInterface.GetAllNetworkInterfaces();
        var match = all.FirstOrDefault(n => n.Name == name);
        var index = match is null ? 0 : (int)LinuxNative.IfNameToIndex(name);
        if (match is null || index == 0)
        {
            var names = string.Join(", ", all.Select(n => n.Name).Order(StringComparer.Ordinal));
            throw new EndpointException($"unknown interface '{name}'; existing interfaces: {names}.");
        }

        return new Interface(name, index, [.. match.GetIPProperties().UnicastAddresses.Select(u => u.Address)]);
    }

    /// <summary>The interface that owns a local address, or a usage error when none does.</summary>
    public static Interface Owning(IPAddress address)
    {
        foreach (var candidate in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (candidate.GetIPProperties().UnicastAddresses.Any(u => Same(u.Address, address)))
            {
                return Resolve(candidate.Name);
            }
        }

        throw new EndpointException($"{address} is not an address of this host; give --bind one of its own addresses or use --interface.");
    }

    private static bool Same(IPAddress a, IPAddress b) =>
        a.AddressFamily == b.AddressFamily && a.GetAddressBytes().AsSpan().SequenceEqual(b.GetAddressBytes());
}
