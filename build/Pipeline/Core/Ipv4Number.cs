using System.Net;
using System.Net.Sockets;

namespace McastLab.Pipeline.Core;

/// <summary>
/// An IPv4 address as the 32-bit number it is: IPAddress has no order and no arithmetic, and IPAM ranges,
/// per-node slices and consecutive worker addresses need both. The one place that converts.
/// </summary>
public readonly record struct Ipv4Number(uint Value) : IComparable<Ipv4Number>
{
    public static Ipv4Number Of(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException($"{address} is not an IPv4 address.", nameof(address));
        var b = address.GetAddressBytes();
        return new(((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3]);
    }

    public IPAddress ToAddress() => new([(byte)(Value >> 24), (byte)(Value >> 16), (byte)(Value >> 8), (byte)Value]);

    /// <summary>The broadcast address of an IPv4 network: every host bit set.</summary>
    public static Ipv4Number Broadcast(IPNetwork network) =>
        new(Of(network.BaseAddress).Value | (uint)((1UL << (32 - network.PrefixLength)) - 1));

    /// <summary>Numeric order of two IPv4 addresses.</summary>
    public static int Compare(IPAddress a, IPAddress b) => Of(a).CompareTo(Of(b));

    /// <summary>Addresses from first to last, both included.</summary>
    public static long Count(IPAddress first, IPAddress last) => (long)Of(last).Value - Of(first).Value + 1;

    public int CompareTo(Ipv4Number other) => Value.CompareTo(other.Value);

    public static Ipv4Number operator +(Ipv4Number a, long offset) => new(checked((uint)(a.Value + offset)));

    public static Ipv4Number operator -(Ipv4Number a, long offset) => new(checked((uint)(a.Value - offset)));

    public static bool operator <(Ipv4Number a, Ipv4Number b) => a.Value < b.Value;

    public static bool operator >(Ipv4Number a, Ipv4Number b) => a.Value > b.Value;

    public static bool operator <=(Ipv4Number a, Ipv4Number b) => a.Value <= b.Value;

    public static bool operator >=(Ipv4Number a, Ipv4Number b) => a.Value >= b.Value;

    public override string ToString() => ToAddress().ToString();
}
