using System.Net;

namespace McastLab.McastTools.Accounting;

/// <summary>A sender: its address and UDP port. Each one is its own stream.</summary>
internal readonly record struct StreamKey(IPAddress Address, int Port)
{
    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}
