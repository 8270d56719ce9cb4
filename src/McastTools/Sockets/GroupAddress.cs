using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace McastLab.McastTools.Sockets;

/// <summary>
/// A multicast group, or a run of <see cref="Count"/> consecutive groups from <see cref="Address"/> (written
/// `G1-G2`, or G with --groups N), optionally with the interface written after a % (iperf's `G%IF`).
/// </summary>
internal sealed record GroupAddress(IPAddress Address, string? InterfaceName, int Count = 1)
{
    /// <summary>Enough for the feeds people watch (mcjoin stops at 250), and a bound on per-stream memory.</summary>
    public const int MaximumCount = 1024;

    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>The last group of the run (the group itself when there is one).</summary>
    public IPAddress Last => Offset(Address, Count - 1);

    /// <summary>Every group of the run, in order.</summary>
    public IReadOnlyList<IPAddress> Members => [.. Enumerable.Range(0, Count).Select(i => Offset(Address, i))];

    /// <summary>"G" or "G1-G2", as a user writes it.</summary>
    public string Describe() => Count == 1 ? Address.ToString() : $"{Address}-{Last}";

    public static GroupAddress Parse(string text)
    {
        var percent = text.IndexOf('%', StringComparison.Ordinal);
        var addressText = percent < 0 ? text : text[..percent];
        var interfaceName = percent < 0 ? null : text[(percent + 1)..];
        if (interfaceName is { Length: 0 })
        {
            throw new EndpointException($"'{text}' has an empty interface after '%'; write G%IF, e.g. 224.0.67.67%eth1.");
        }

        // No IPv4 or IPv6 address contains '-', so a dash always separates the two ends of a range.
        // A dash with nothing on one side ("-u", "239.1.1.1-") is no range: the whole text is named as wrong.
        var dash = addressText.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || dash == addressText.Length - 1)
        {
            return new GroupAddress(Group(addressText), interfaceName);
        }

        var first = Group(addressText[..dash]);

        var last = Group(addressText[(dash + 1)..]);
        if (last.AddressFamily != first.AddressFamily)
        {
            throw new EndpointException($"the range {addressText} mixes IPv4 and IPv6; give two groups of one family.");
        }

        var span = Number(last) - Number(first);
        if (Number(last) < Number(first))
        {
            throw new EndpointException($"the range {addressText} runs backwards; write the lower group first, e.g. {last}-{first}.");
        }

        return span >= MaximumCount
            ? throw new EndpointException(string.Create(CultureInfo.InvariantCulture, $"the range {addressText} holds more than {MaximumCount} groups; mcast joins at most {MaximumCount} per run, so split it over several receivers."))
            : new GroupAddress(first, interfaceName, (int)span + 1);
    }

    /// <summary>The count form (`--groups N`): N consecutive groups from this one.</summary>
    public GroupAddress WithCount(long count)
    {
        if (Count != 1)
        {
            throw new EndpointException($"--group {Describe()} is already a range; give either a range or --groups, not both.");
        }

        if (count is < 1 or > MaximumCount)
        {
            throw new EndpointException(string.Create(CultureInfo.InvariantCulture, $"--groups {count} is out of range; give one in 1-{MaximumCount}."));
        }

        var last = Offset(Address, count - 1);
        return IsMulticast(last) && Number(last) >= Number(Address)
            ? this with { Count = (int)count }
            : throw new EndpointException(string.Create(CultureInfo.InvariantCulture, $"--groups {count} from {Address} runs past the multicast range; start lower or give fewer groups."));
    }

    public static bool IsMulticast(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => (address.GetAddressBytes()[0] & 0xF0) == 0xE0,
        AddressFamily.InterNetworkV6 => address.IsIPv6Multicast,
        _ => false,
    };

    /// <summary>Link-local scoped groups (224.0.0.0/24, ff02::) name no route: they need an interface.</summary>
    public bool IsLinkLocal => IsLinkLocalGroup(Address) || IsLinkLocalGroup(Last);

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

        var control = Members.FirstOrDefault(IsControlGroup);
        return control is not null
            ? $"group {control} is a link-local control group that every host joins, so a source-specific join cannot filter it; use a group in 232.0.0.0/8 or ff3x::/32."
            : null;
    }

    private static bool IsLinkLocalGroup(IPAddress group) => group.AddressFamily == AddressFamily.InterNetworkV6
        ? (group.GetAddressBytes()[1] & 0x0F) <= 2
        : group.GetAddressBytes() is [224, 0, 0, _];

    private static bool IsControlGroup(IPAddress group)
    {
        var bytes = group.GetAddressBytes();
        return group.AddressFamily == AddressFamily.InterNetworkV6
            ? bytes.AsSpan(2, 13).IndexOfAnyExcept((byte)0) < 0 && bytes[15] is 1 or 2
            : bytes is [224, 0, 0, _];
    }

    private static IPAddress Group(string text) =>
        IPAddress.TryParse(text, out var address) && IsMulticast(address)
            ? address
            : throw new EndpointException($"'{text}' is not a multicast group; use an address in 224.0.0.0/4 or ff00::/8, e.g. 224.0.67.67.");

    /// <summary>The address as an unsigned number, so a run of groups is plain arithmetic.</summary>
    private static UInt128 Number(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6
        ? BinaryPrimitives.ReadUInt128BigEndian(address.GetAddressBytes())
        : BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    private static IPAddress Offset(IPAddress address, long steps)
    {
        var value = Number(address) + (UInt128)steps;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var bytes = new byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
            return new IPAddress(bytes);
        }

        // Past 255.255.255.255 the value no longer fits; WithCount reports that as leaving the multicast range.
        return value > uint.MaxValue ? IPAddress.Any : new IPAddress(ToBytes((uint)value));
    }

    private static byte[] ToBytes(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}
