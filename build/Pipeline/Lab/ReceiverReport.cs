using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// What a receiver reported at the end, from either tool: `mcast recv --format json` (its summary and end
/// events) or iperf 2's server text. Its figures (<see cref="ReceiverFigures"/>) go into the check as they
/// are; the streams, iperf's loss percentage and mcast's own verdict are for judging it.
/// </summary>
public sealed partial record ReceiverReport : ReceiverFigures
{
    public double? LossPercent { get; init; }
    public int Streams { get; init; }

    /// <summary>Streams of any source the receiver reported (<see cref="Streams"/> counts only the expected sender's).</summary>
    public int StreamsHeard { get; init; }

    /// <summary>The tool's own verdict (mcast's end event), when it gives one.</summary>
    public bool? Ok { get; init; }
    public string? Reason { get; init; }

    /// <summary>
    /// The JSON lines of `mcast recv --format json`, summed over its streams (or only the streams from
    /// <paramref name="source"/>, an address with or without ":port"); null when it printed no end event.
    /// </summary>
    public static ReceiverReport? FromMcastJson(string output, string? source = null)
    {
        var summaries = new List<JsonNode>();
        var heard = new List<JsonNode>();
        var intervals = new List<ReceiverInterval>();
        JsonNode? end = null;
        foreach (var line in output.Split('\n'))
        {
            var text = line.Trim();
            if (!text.StartsWith('{')) continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                continue;
            }
            if ((string?)node?["event"] == "summary") heard.Add(node!);
            switch ((string?)node?["event"])
            {
                case "summary" when source is null || IsFrom((string?)node!["source"], source): summaries.Add(node!); break;
                case "interval" when source is null || IsFrom((string?)node!["source"], source):
                    intervals.Add(new ReceiverInterval(Double(node!["start"]) ?? 0, Double(node["end"]) ?? 0, Long(node["received"]) ?? 0,
                        Long(node["lost"]) ?? 0, Long(node["outOfOrder"]) ?? 0, Long(node["duplicates"]) ?? 0));
                    break;
                case "end": end = node; break;
            }
        }
        if (end is null) return null;
        long Sum(string name) => summaries.Sum(s => Long(s[name]) ?? 0);
        return new ReceiverReport
        {
            Received = Sum("received"),
            Lost = Sum("lost"),
            Reordered = Sum("outOfOrder"),
            Duplicates = Sum("duplicates"),
            Invalid = heard.Sum(h => Long(h["invalid"]) ?? 0),
            KernelDrops = heard.Select(h => Long(h["kernelDrops"])).Max(),
            JitterMs = summaries.Select(s => Double(s["jitterMs"])).Where(j => j is not null).Max(),
            TtlSeen = summaries.Select(s => (int?)Long(s["ttl"])).FirstOrDefault(t => t is not null),
            Streams = summaries.Count,
            StreamsHeard = heard.Count,
            Intervals = intervals.Count > 0 ? intervals : null,
            Ok = end["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var b) ? b : null,
            Reason = (string?)end["reason"],
        };
    }

    private static bool IsFrom(string? stream, string source) =>
        stream is not null && (stream == source || stream.StartsWith(source + ":", StringComparison.Ordinal));

    /// <summary>
    /// iperf 2's server report: the last "jitter ms lost/total (pct%)" line is the whole test's, and a
    /// separate line counts datagrams received out of order. Its total counts the end-of-test datagram too
    /// (measured: `mcast send` sent 179 data datagrams, iperf 2.1.8 reported 0/180), so data received is
    /// total - lost - 1. Null when no such line was printed.
    /// </summary>
    public static ReceiverReport? FromIperfText(string output)
    {
        var totals = IperfTotal().Matches(output);
        if (totals.Count == 0) return null;
        var last = totals[^1];
        var lost = long.Parse(last.Groups["lost"].Value, CultureInfo.InvariantCulture);
        var total = long.Parse(last.Groups["total"].Value, CultureInfo.InvariantCulture);
        var reordered = IperfOutOfOrder().Matches(output) is { Count: > 0 } o
            ? long.Parse(o[^1].Groups["count"].Value, CultureInfo.InvariantCulture)
            : 0;
        return new ReceiverReport
        {
            Received = Math.Max(0, total - lost - 1),
            Lost = lost,
            Reordered = reordered,
            JitterMs = double.Parse(last.Groups["jitter"].Value, CultureInfo.InvariantCulture),
            LossPercent = double.TryParse(last.Groups["percent"].Value, CultureInfo.InvariantCulture, out var p) ? p : null,
            Streams = 1,
            StreamsHeard = 1,
        };
    }

    private static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? (long)d : null;

    private static double? Double(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    [GeneratedRegex(@"(?<jitter>[0-9.]+)\s+ms\s+(?<lost>-?[0-9]+)/\s*(?<total>[0-9]+)\s+\((?<percent>[^%)]+)%\)")]
    private static partial Regex IperfTotal();

    [GeneratedRegex(@"(?<count>[0-9]+)\s+datagrams received out-of-order")]
    private static partial Regex IperfOutOfOrder();
}
