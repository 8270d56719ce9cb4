using System.Net;

namespace McastLab.McastTools.Accounting;

/// <summary>A sender (its address and UDP port) to a group: each pair is its own stream.</summary>
internal readonly record struct StreamKey(IPAddress Address, int Port, IPAddress? Group = null)
{
    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}
