using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Receive;

/// <summary>
/// A validated receive run. <see cref="Persistent"/> (iperf -s) keeps listening after streams end and reports
/// each stream when it ends; otherwise the run ends once every stream has sent its end-of-test datagram.
/// </summary>
internal sealed record ReceivePlan(
    ReceiveEndpoint Endpoint,
    double IntervalSeconds,
    double? DurationSeconds,
    double? IdleTimeoutSeconds,
    long? ExpectPackets,
    double? MaxLossPercent,
    bool Persistent = false)
{
    /// <summary>The receive buffer each socket asks for (--rcvbuf); what the kernel granted is in the joined and diagnosis events.</summary>
    public int BufferBytes { get; init; } = Sockets.MulticastSockets.BufferBytes;

    /// <summary>Seconds after the join to leave the group and watch the interface until frames stop (--leave-after); null: stay joined.</summary>
    public double? LeaveAfterSeconds { get; init; }

    /// <summary>Why the run should stop now (Ctrl+C/SIGTERM, --duration or --idle-timeout), or null to go on.</summary>
    public string? StopReason(double now, double lastDatagram, CancellationToken cancel)
    {
        if (cancel.IsCancellationRequested)
        {
            return "interrupted";
        }

        if (DurationSeconds is { } duration && now >= duration)
        {
            return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"duration of {duration} s reached");
        }

        return IdleTimeoutSeconds is { } idle && now - lastDatagram >= idle
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"no datagram for {idle} s")
            : null;
    }
}

/// <summary>One stream over a span of time: the unit every report prints.</summary>
internal sealed record StreamReport(string Group, int Port, Accounting.StreamKey Source, int Number, double Start, double End, Accounting.StreamSnapshot Counters)
{
    public double BitsPerSecond => End - Start > 0 ? Counters.Bytes * 8 / (End - Start) : 0;
}

/// <summary>How a receive run ended.</summary>
internal sealed record ReceiveOutcome(int Streams, bool Ok, string Reason, bool Interrupted)
{
    /// <summary>The joined groups of a range that carried no datagram at all (a feed that never came).</summary>
    public IReadOnlyList<string> SilentGroups { get; init; } = [];

    public int ExitCode => Interrupted ? 130 : Ok ? 0 : 1;
}
