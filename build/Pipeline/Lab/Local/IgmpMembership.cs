using System.Globalization;
using System.Net;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// Whether a network namespace has joined a group on an interface, read from /proc/PID/net/igmp (which shows
/// the namespace of that process). The lab starts a sender only after every receiver has joined.
/// </summary>
public static class IgmpMembership
{
    public static bool IsJoined(int pid, string interfaceName, IPAddress group) => Users(pid, interfaceName, group) > 0;

    /// <summary>How many sockets of the namespace have joined the group on the interface (0 when none or unreadable).</summary>
    public static int Users(int pid, string interfaceName, IPAddress group)
    {
        var path = $"/proc/{pid}/net/igmp";
        try
        {
            return Users(File.ReadAllText(path), interfaceName, group);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    public static bool IsJoined(string table, string interfaceName, IPAddress group) => Users(table, interfaceName, group) > 0;

    /// <summary>
    /// Parses the table: a device line ("2\teth1      :     2      V3") followed by its groups, each the
    /// address as the kernel's 32-bit value in hex (host byte order, so 224.0.67.67 is 434300E0 on x86) and
    /// its users, the sockets joined (several receivers of one namespace share the line).
    /// </summary>
    public static int Users(string table, string interfaceName, IPAddress group)
    {
        var wanted = BitConverter.ToUInt32(group.GetAddressBytes()).ToString("X8", CultureInfo.InvariantCulture);
        string? device = null;
        foreach (var line in table.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("Idx", StringComparison.Ordinal)) continue;
            if (!char.IsWhiteSpace(line[0]))
            {
                var fields = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
                device = fields.Length > 1 ? fields[1].TrimEnd(':') : null;
                continue;
            }
            var entry = line.Trim().Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            if (device == interfaceName && entry.Length > 1 && string.Equals(entry[0], wanted, StringComparison.OrdinalIgnoreCase))
            {
                return int.TryParse(entry[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var users) ? users : 1;
            }
        }
        return 0;
    }
}
