using System.Globalization;

namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>The sender's TTL runs out on the path: each router takes one (esnet/iperf#262; iperf's default TTL is 1).</summary>
public sealed class TtlTooSmall() : Cause(
    "ttl-too-small",
    "TTL too small for the path",
    "raise the sender's TTL above the number of routers on the path (mcast send --ttl N, iperf -c G --ttl N; the received TTL tells the hops: sent − received)")
{
    public override string? Evidence(FailedReceiver f)
    {
        var ttl = f.SenderProbe?.Ttl ?? f.Ttl;
        // Each router on the path takes one: the received TTL tells how many the stream crossed.
        if (f.Check.TtlSeen is { } seen && seen < ttl && seen <= 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the sender set TTL {ttl} and it arrived as {seen}: the path has {ttl - seen} router(s), so one more drops it.");
        }
        return ttl == 0 ? "the sender set TTL 0: its datagrams never leave the host." : null;
    }
}
