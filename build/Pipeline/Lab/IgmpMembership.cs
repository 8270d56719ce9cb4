using System.Globalization;
using System.Net;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// Whether a network namespace has joined a group on an interface, read from /proc/PID/net/igmp (which shows
/// the namespace of that process). The lab starts a sender only after every receiver has joined.
/// </summary>
public static class IgmpMembership
{
    public static bool IsJoined(int pid, string interfaceName, IPAddress group)
    {
        var path = $"/proc/{pid}/net/igmp";
        try
        {
            return IsJoined(File.ReadAllText(path), interfaceName, group);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Parses the table: a device line ("2\teth1      :     2      V3") followed by its groups, each the
    /// address as the kernel's 32-bit value in hex (host byte order, so 224.0.67.67 is 434300E0 on x86).
    /// </summary>
    public static bool IsJoined(string table, string interfaceName, IPAddress group)
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
            var address = line.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (device == interfaceName && string.Equals(address, wanted, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
