using System.Text.Json;
using System.Text.Json.Nodes;

namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>`mcast recv`'s "diagnosis" event (docs/troubleshooting.md): what the kernel held right after the join.</summary>
public sealed record ReceiverProbeEvent(
    string? RequestedInterface,
    string? SourceFilter,
    IReadOnlyList<string> MembershipInterfaces,
    string? RouteDestination,
    string? RouteInterface,
    bool RouteIsMulticast,
    string? FlagsInterface,
    bool? Up,
    bool? Multicast,
    long? RpFilter,
    long ReceiveBufferBytes,
    long ReceiveBufferRequestedBytes)
{
    /// <summary>The event in a receiver's JSON output, or null when it printed none (iperf, an old mcast, no join).</summary>
    public static ReceiverProbeEvent? From(string output) => ProbeLines.Find(output, "receiver") is { } e
        ? new ReceiverProbeEvent(
            (string?)e["requestedInterface"],
            (string?)e["sourceFilter"],
            [.. (e["memberships"] as JsonArray ?? []).Select(m => (string?)m?["interface"]).OfType<string>()],
            (string?)e["route"]?["destination"],
            (string?)e["route"]?["interface"],
            (bool?)e["route"]?["multicast"] ?? false,
            (string?)e["interfaceFlags"]?["name"],
            (bool?)e["interfaceFlags"]?["up"],
            (bool?)e["interfaceFlags"]?["multicast"],
            (long?)e["rpFilter"]?["effective"],
            (long?)e["receiveBufferBytes"] ?? 0,
            (long?)e["receiveBufferRequestedBytes"] ?? 0)
        : null;
}

/// <summary>`mcast send`'s "diagnosis" event: the interface the kernel chose, how, the source address and the TTL.</summary>
public sealed record SenderProbeEvent(string? ChosenBy, string? OutgoingInterface, string? SourceAddress, int? Ttl, string? RouteDestination, string? RouteInterface, bool RouteIsMulticast)
{
    /// <summary>The event in a sender's output (mcast send prints it on stderr), or null (iperf's client has none).</summary>
    public static SenderProbeEvent? From(string output) => ProbeLines.Find(output, "sender") is { } e
        ? new SenderProbeEvent((string?)e["chosenBy"], (string?)e["outgoingInterface"], (string?)e["sourceAddress"], (int?)e["ttl"],
            (string?)e["route"]?["destination"], (string?)e["route"]?["interface"], (bool?)e["route"]?["multicast"] ?? false)
        : null;
}

/// <summary>Finds the probe's JSON line among a program's other lines.</summary>
internal static class ProbeLines
{
    public static JsonNode? Find(string output, string role)
    {
        foreach (var line in output.Split('\n'))
        {
            var text = line.Trim();
            if (!text.StartsWith("{\"event\":\"diagnosis\"", StringComparison.Ordinal)) continue;
            try
            {
                if (JsonNode.Parse(text) is { } node && (string?)node["role"] == role) return node;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                // A line cut short (the receiver was killed mid-write): no probe.
            }
        }
        return null;
    }
}
