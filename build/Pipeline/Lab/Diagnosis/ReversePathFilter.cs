namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>Strict rp_filter drops the stream because the route back to its source leaves by another interface (weave#354).</summary>
public sealed class ReversePathFilter() : Cause(
    "rp-filter",
    "rp_filter drops the stream",
    "set loose or no reverse-path filtering where the receiver is (sysctl net.ipv4.conf.all.rp_filter=2 and net.ipv4.conf.eth1.rp_filter=2), or route the source's subnet through the segment's interface")
{
    public override string? Evidence(FailedReceiver f)
    {
        if ((f.ReceiverProbe?.RpFilter != 1 && f.ReceiverPlace?.RpFilter != 1) || f.SenderAddress is not { } source) return null;
        if (f.ReceiverPlace?.ReverseRouteInterface.GetValueOrDefault(source) is not { } back || back == f.Segment) return null;
        return $"rp_filter is 1 (strict) where the receiver is, and its route back to the source {source} leaves by {back}, not by {f.Segment} where the stream arrives.";
    }
}
