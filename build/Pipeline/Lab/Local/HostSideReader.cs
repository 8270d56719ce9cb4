using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// What the local backend sees of the host side once the flows ended, before its cleanup (observed for every run,
/// judged by nobody here; Lab/Diagnosis reads it): the switch (`ip -d link`, `bridge link`, `bridge mdb`) and
/// for each place its links (macvlan mode), its routes to the group and back to each sender (`ip route get`),
/// rp_filter (`ip netconf`), the firewall rules that drop IGMP or UDP (iptables-save) and its UDP receive-buffer
/// errors (/proc/net/snmp). One `ip -batch` and one iptables-save per place, all places at once, while the flows
/// run (that state is set before they start); the switch's entries and the error counters once they ended.
/// </summary>
public sealed class HostSideReader(ProcessRunner runner, LabTimings? timings = null)
{
    private readonly LabTimings timings = timings ?? new LabTimings();

    /// <param name="places">Each place (a host name or a pod key) with a process in its network namespace.</param>
    /// <param name="start">When to begin: once the senders run, so the reads never delay a receiver's start.</param>
    /// <param name="senders">The senders' addresses on the segment, whose routes back rp_filter checks.</param>
    /// <param name="flows">The flows' run: the switch and the counters are read once it ended (however it ended).</param>
    public async Task<HostSideEvidence> ReadAsync(LabTopology topology, Task start, IReadOnlyDictionary<string, int> places, string segment, string group,
        IReadOnlyList<string> senders, Task flows, CancellationToken cancellationToken)
    {
        await start;
        var read = places.Select(p => PlaceAsync(p.Key, p.Value, segment, group, senders, cancellationToken)).ToList();
        var evidence = await Task.WhenAll(read);
        await Task.WhenAny(flows);
        var segmentEvidence = topology.HasSwitch ? await SwitchAsync(topology, cancellationToken) : null;
        return new HostSideEvidence(segmentEvidence, [.. evidence.Select(e => e with { UdpReceiveBufferErrors = UdpReceiveBufferErrors(places[e.Place]) })]);
    }

    private async Task<SegmentEvidence> SwitchAsync(LabTopology topology, CancellationToken cancellationToken)
    {
        var ns = topology.SwitchNamespace;
        var bridge = Array(await OutputAsync("ip", ["-n", ns, "-d", "-j", "link", "show", "dev", topology.Bridge], null, cancellationToken));
        var data = bridge.FirstOrDefault()?["linkinfo"]?["info_data"];
        var lines = (await OutputAsync("bridge", ["-n", ns, "-d", "-j", "-batch", "-"], "link show\nmdb show\n", cancellationToken)).Split('\n');
        var ports = Array(lines.ElementAtOrDefault(0));
        var mdb = Array(lines.ElementAtOrDefault(1));
        return new SegmentEvidence(
            Snooping: Number(data?["mcast_snooping"]) == 1,
            Querier: Number(data?["mcast_querier"]) == 1,
            MembershipIntervalCs: Number(data?["mcast_membership_intvl"]),
            QueryIntervalCs: Number(data?["mcast_query_intvl"]),
            PortsNotFlooding: [.. ports.Where(p => p?["mcast_flood"] is JsonValue v && v.GetValueKind() == JsonValueKind.False).Select(p => (string?)p?["ifname"]).OfType<string>()],
            GroupPorts: [.. mdb.SelectMany(e => e?["mdb"] as JsonArray ?? []).Select(e => (string?)e?["port"]).OfType<string>().Distinct()],
            PortOfHost: topology.Ports);
    }

    private async Task<PlaceEvidence> PlaceAsync(string place, int pid, string segment, string group, IReadOnlyList<string> senders, CancellationToken cancellationToken)
    {
        var netns = string.Create(CultureInfo.InvariantCulture, $"--net=/proc/{pid}/ns/net");
        var commands = string.Join('\n', ["link show", $"route get {group}", .. senders.Select(s => $"route get {s}"), "netconf show"]) + "\n";
        var ip = OutputAsync("nsenter", [netns, "ip", "-d", "-j", "-force", "-batch", "-"], commands, cancellationToken);
        var firewall = OutputAsync("nsenter", [netns, "iptables-save"], null, cancellationToken);
        string? mode = null;
        string? groupRoute = null;
        long? rpFilter = null;
        var back = new Dictionary<string, string>();
        // Each command's answer is one JSON array on its own line; a command that failed (no route) prints none.
        foreach (var line in (await ip).Split('\n'))
        {
            var entries = Array(line);
            foreach (var e in entries)
            {
                if ((string?)e?["ifname"] == segment && (string?)e?["linkinfo"]?["info_kind"] == "macvlan") mode = (string?)e?["linkinfo"]?["info_data"]?["mode"];
                if ((string?)e?["dst"] is { } dst && (string?)e?["dev"] is { } dev)
                {
                    if (dst == group) groupRoute = dev;
                    else back[dst] = dev;
                }
                var conf = (string?)e?["interface"];
                if ((string?)e?["family"] == "inet" && (conf == "all" || conf == segment))
                {
                    // The kernel applies the larger of conf/all and conf/IF.
                    var value = (string?)e?["rp_filter"] switch { "strict" => 1L, "loose" => 2L, "off" => 0L, _ => (long?)null };
                    if (value is { } v) rpFilter = Math.Max(rpFilter ?? 0, v);
                }
            }
        }
        var rules = (await firewall).Split('\n')
            .Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && l.Contains("DROP", StringComparison.Ordinal)
                && (l.Contains("igmp", StringComparison.OrdinalIgnoreCase) || l.Contains("udp", StringComparison.OrdinalIgnoreCase) || l.Contains("-p 2 ", StringComparison.Ordinal)))
            .ToList();
        return new PlaceEvidence(place, place.Split('/')[0], rules, mode, back)
        {
            GroupRouteInterface = groupRoute,
            RpFilter = rpFilter,
        };
    }

    /// <summary>Udp RcvbufErrors of the namespace (/proc/PID/net/snmp: a header line of names, then one of values).</summary>
    public static long? UdpReceiveBufferErrors(int pid)
    {
        try
        {
            return RcvbufErrors(File.ReadAllLines($"/proc/{pid}/net/snmp"));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static long? RcvbufErrors(IReadOnlyList<string> snmp)
    {
        var udp = snmp.Where(l => l.StartsWith("Udp: ", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (udp.Count < 2) return null;
        var at = System.Array.IndexOf(udp[0], "RcvbufErrors");
        return at > 0 && at < udp[1].Length && long.TryParse(udp[1][at], CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private static JsonArray Array(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return [];
        try
        {
            return JsonNode.Parse(line) as JsonArray ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static long? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    /// <summary>The program's output, or "" when it failed or is missing: evidence is best effort, never a new failure.</summary>
    private async Task<string> OutputAsync(string program, string[] arguments, string? input, CancellationToken cancellationToken)
    {
        try
        {
            var result = await timings.TimeAsync("host side", () => runner.RunAsync(program, arguments,
                new ProcessOptions { CaptureOnly = true, AllowFailure = true, StandardInput = input, Timeout = TimeSpan.FromSeconds(20) }, cancellationToken));
            return result.StandardOutput;
        }
        catch (ProcessFailedException)
        {
            // The program is not installed here (iptables, say): that part of the evidence is missing.
            return "";
        }
    }
}
