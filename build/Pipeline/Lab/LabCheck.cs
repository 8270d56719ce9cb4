using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// One assertion of the lab and the figures that back it (<see cref="CheckFigures"/>). Figures a check does
/// not measure stay null (and are left out of report.json), so a reader never mistakes "not measured" for zero.
/// </summary>
public sealed record LabCheck : CheckFigures
{
    /// <summary>Short stable name, such as "pod-1/iperf-to-mcast"; report.json and the failure message use it.</summary>
    [JsonPropertyOrder(-2)]
    public required string Name { get; init; }

    [JsonPropertyOrder(-1)]
    public required bool Passed { get; init; }

    /// <summary>Which flow (one sender, one port) the check belongs to.</summary>
    public string? Flow { get; init; }

    /// <summary>What the receiver had to see: "everything sent", "nothing", or nothing because of a known limitation.</summary>
    public string? Expected { get; init; }

    /// <summary>A receiver's check with the figures of its report (null figures when it printed none).</summary>
    public static LabCheck FromReceiver(string name, bool passed, string detail, ReceiverReport? report, long? sent, string? podAddress) => new()
    {
        Name = name,
        Passed = passed,
        Sent = sent,
        Received = report?.Received,
        Lost = report?.Lost,
        Reordered = report?.Reordered,
        Duplicates = report?.Duplicates,
        JitterMs = report?.JitterMs,
        TtlSeen = report?.Ttl,
        PodAddress = podAddress,
        Detail = detail,
        Intervals = report is { Intervals.Count: > 0 } ? report.Intervals : null,
    };

    /// <summary>
    /// The segment-address check of both backends: every address on the segment has one owner (a pod as
    /// node/name, or a host). One sentence per address held twice.
    /// </summary>
    public static LabCheck UniqueAddresses(IReadOnlyList<(string Owner, string Address)> owners, string segment, string hint = "")
    {
        var clashes = owners.GroupBy(o => o.Address).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key} is held by {string.Join(", ", g.Select(o => o.Owner))}").ToList();
        return new LabCheck
        {
            Name = "segment-addresses",
            Passed = clashes.Count == 0,
            Detail = clashes.Count == 0
                ? $"All {owners.Count} addresses on the {segment} segment are unique."
                : string.Join("; ", clashes) + hint + ".",
        };
    }
}
