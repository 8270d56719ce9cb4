using System.Globalization;

namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>Delivery began, then stopped: the switch let the receiver's membership expire before a query refreshed it (antrea#7140).</summary>
public sealed class MembershipExpired() : Cause(
    "membership-expired",
    "membership expired",
    "keep the membership interval above robustness × query interval + query response interval (mcast_membership_interval, mcast_query_interval on a Linux bridge), and make sure queries reach the receivers and their reports reach the switch")
{
    public override string? Evidence(FailedReceiver f)
    {
        if (f.Switch is not { Snooping: true, Querier: true } sw) return null;
        // Robustness 2: a member must outlive two queries and the time to answer; sooner, it expires between them.
        var forgetful = sw.MembershipIntervalCs is { } member && sw.QueryIntervalCs is { } query && member <= 2 * query;
        var left = f.ReceiverPort is { } p && !sw.GroupPorts.Contains(p);
        // A stream that stopped, or none at all when the membership was gone before the sender began.
        if (!(f.PartialDelivery && (forgetful || left)) && !(f.Check.Received == 0 && forgetful)) return null;
        var timers = sw.MembershipIntervalCs is { } m && sw.QueryIntervalCs is { } q
            ? string.Create(CultureInfo.InvariantCulture, $"; the switch forgets a member after {m / 100.0:0.#} s but queries every {q / 100.0:0.#} s")
            : "";
        var port = f.ReceiverPort;
        var gone = port is not null && !sw.GroupPorts.Contains(port) ? $", and its group entry no longer holds the receiver's port {port}" : "";
        return f.Check.Received > 0
            ? string.Create(CultureInfo.InvariantCulture, $"the receiver got {f.Check.Received} of {f.Check.Sent} datagrams, then the stream stopped{timers}{gone}.")
            : string.Create(CultureInfo.InvariantCulture, $"the receiver joined but got none of the {f.Check.Sent} datagrams: its membership expired before the stream came{timers}{gone}.");
    }
}
