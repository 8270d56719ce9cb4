using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// One assertion of the lab and the figures that back it (<see cref="CheckFigures"/>). Figures a check does
/// not measure stay null (and are left out of report.json), so a reader never mistakes "not measured" for zero.
/// </summary>
public sealed record LabCheck : CheckFigures
{
    public LabCheck()
    {
    }

    private LabCheck(ReceiverFigures received)
        : base(received)
    {
    }

    /// <summary>Short stable name, such as "pod-1/iperf-to-mcast"; report.json and the failure message use it.</summary>
    [JsonPropertyOrder(-2)]
    public required string Name { get; init; }

    /// <summary>True only for a check that ran and passed (false for a failed one, and for one not run).</summary>
    [JsonPropertyOrder(-1)]
    public required bool Passed { get; init; }

    /// <summary>Why the check did not run (the backend cannot run it, or the setup failed first); null when it ran.</summary>
    public string? NotRunReason { get; init; }

    /// <summary>passed, failed or notRun: every planned check is in report.json with one of these, never missing.</summary>
    [JsonPropertyOrder(-1)]
    public CheckStatus Status => NotRunReason is not null ? CheckStatus.NotRun : Passed ? CheckStatus.Passed : CheckStatus.Failed;

    /// <summary>Which flow (one sender, one port) the check belongs to.</summary>
    public string? Flow { get; init; }

    /// <summary>What the receiver had to see: "everything sent", "nothing", or nothing because of a known limitation.</summary>
    public string? Expected { get; init; }

    /// <summary>On a snooping segment's "leave-to-last": seconds from the receiver's leave to the last frame of the group at its interface.</summary>
    public double? LeaveToLastSeconds { get; init; }

    /// <summary>Why the check failed, when the diagnosis could name a cause (null when it passed or none fits).</summary>
    public CheckDiagnosis? Diagnosis { get; init; }

    /// <summary>A planned check that did not run, with the reason (it neither passes nor fails the run).</summary>
    public static LabCheck NotRunBecause(PlannedCheck check, string reason) => new()
    {
        Name = check.Name,
        Passed = false,
        NotRunReason = reason,
        Direction = check.Direction,
        Detail = $"Not run: {reason}.",
    };

    /// <summary>A receiver's check with the figures of its report (null figures when it printed none).</summary>
    public static LabCheck FromReceiver(string name, bool passed, string detail, ReceiverReport? report, long? sent, string? podAddress) => new(report ?? new ReceiverFigures())
    {
        Name = name,
        Passed = passed,
        Sent = sent,
        PodAddress = podAddress,
        Detail = detail,
    };
}

/// <summary>What became of a check.</summary>
public enum CheckStatus
{
    Passed,
    Failed,
    NotRun,
}
