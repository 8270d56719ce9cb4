using System.Globalization;
using System.Text.Json;

namespace McastLab.McastTools.Receive;

/// <summary>
/// After `mcast recv --leave-after` left the group: when frames of the stream's size stopped reaching the join
/// interface (its receive bytes in /proc/net/dev, which is this process's network namespace's, grew by at least one
/// datagram's payload since the last look; IGMP queries and ARP are smaller). On a snooping switch that is its leave
/// latency (a Linux bridge: last-member queries, then the port leaves the group entry); a flooding segment never stops.
/// </summary>
internal sealed class LeaveWatch(string interfaceName, double leftAt, int payloadBytes, Func<string, long?> receivedBytes)
{
    private long? _bytes = receivedBytes(interfaceName);

    public string Interface => interfaceName;

    /// <summary>Seconds after the join when the receiver left.</summary>
    public double LeftAt => leftAt;

    /// <summary>Seconds after the join when the last frame of the stream's size was seen; null: none after the leave.</summary>
    public double? LastFrameAt { get; private set; }

    /// <summary>Looks at the counter; true when a frame of the stream's size arrived since the last look.</summary>
    public bool Look(double now)
    {
        var bytes = receivedBytes(interfaceName);
        var arrived = bytes - _bytes >= payloadBytes;
        _bytes = bytes;
        if (arrived)
        {
            LastFrameAt = now;
        }

        return arrived;
    }

    /// <summary>Seconds from the leave to the last frame (0 when none came after it).</summary>
    public double LeaveToLastFrame => (LastFrameAt ?? leftAt) - leftAt;

    /// <summary>Whether the frames had stopped for <paramref name="quietSeconds"/> when the run ended at <paramref name="end"/>.</summary>
    public bool Stopped(double end, double quietSeconds) => end - (LastFrameAt ?? leftAt) >= quietSeconds;

    public string Text(double end, double quietSeconds) => Stopped(end, quietSeconds)
        ? string.Create(CultureInfo.InvariantCulture, $"mcast recv: left the group at {leftAt:0.00} s; the last frame reached {interfaceName} {LeaveToLastFrame:0.00} s after the leave")
        : string.Create(CultureInfo.InvariantCulture, $"mcast recv: left the group at {leftAt:0.00} s; frames still reached {interfaceName} {end - leftAt:0.00} s after the leave (a segment that floods the group, or a switch that keeps the membership)");

    /// <summary>The "left" JSON event's fields.</summary>
    public void Write(Utf8JsonWriter writer, double end, double quietSeconds)
    {
        writer.WriteString("event", "left");
        writer.WriteString("interface", interfaceName);
        writer.WriteNumber("leftAt", Math.Round(leftAt, 3));
        if (LastFrameAt is { } last)
        {
            writer.WriteNumber("lastFrameAt", Math.Round(last, 3));
        }
        else
        {
            writer.WriteNull("lastFrameAt");
        }

        writer.WriteNumber("leaveToLastFrameSeconds", Math.Round(LeaveToLastFrame, 3));
        writer.WriteBoolean("framesStopped", Stopped(end, quietSeconds));
    }

    /// <summary>An interface's received bytes from /proc/net/dev ("  eth1: RXBYTES RXPACKETS …"), or null when it is not there.</summary>
    public static long? ProcNetDev(string interfaceName)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/net/dev"))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0 || line[..colon].Trim() != interfaceName)
                {
                    continue;
                }

                var fields = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;
            }
        }
        catch (IOException)
        {
            // No /proc: nothing to watch.
        }

        return null;
    }
}
