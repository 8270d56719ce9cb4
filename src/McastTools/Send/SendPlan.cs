using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Send;

/// <summary>Everything a send run needs, validated: where, how fast, how long.</summary>
internal sealed record SendPlan(SendEndpoint Endpoint, Rate Rate, int Length, double? DurationSeconds, long? Count);

/// <summary>What a send run did.</summary>
internal sealed record SendResult(System.Net.IPEndPoint? Local, long Datagrams, long Bytes, double Seconds, bool Interrupted)
{
    public double BitsPerSecond => Seconds > 0 ? Bytes * 8 / Seconds : 0;
    public double PacketsPerSecond => Seconds > 0 ? Datagrams / Seconds : 0;
}
