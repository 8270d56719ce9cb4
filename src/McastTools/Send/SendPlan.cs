using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Send;

/// <summary>Everything a send run needs, validated: where, how fast, how long; <paramref name="RoundTrip"/> also collects replies.</summary>
internal sealed record SendPlan(SendEndpoint Endpoint, Rate Rate, int Length, double? DurationSeconds, long? Count, bool RoundTrip = false);

/// <summary>What a send run did.</summary>
internal sealed record SendResult(System.Net.IPEndPoint? Local, long Datagrams, long Bytes, double Seconds, bool Interrupted)
{
    /// <summary>With send --rtt: each responder and its replies, whose latency is the round trip.</summary>
    public IReadOnlyList<(Accounting.StreamKey Responder, Accounting.StreamSnapshot Replies)> Replies { get; init; } = [];

    public double BitsPerSecond => Seconds > 0 ? Bytes * 8 / Seconds : 0;
    public double PacketsPerSecond => Seconds > 0 ? Datagrams / Seconds : 0;
}
