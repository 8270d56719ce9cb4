namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// The switch snoops IGMP and does not flood unregistered groups, but no querier is on the segment: it
/// forwards nothing to the members, or drops them when their membership times out (openshift-ansible#11980).
/// </summary>
public sealed class NoQuerier() : Cause(
    "no-querier",
    "no querier on a snooping segment",
    "turn on a querier on the segment (ip link set BRIDGE type bridge mcast_querier 1, or the switch's IGMP querier), or let the switch flood unregistered groups (bridge link set dev PORT mcast_flood on)")
{
    public override string? Evidence(FailedReceiver f) =>
        f.Switch is { Snooping: true, Querier: false } sw && sw.PortsNotFlooding.Count > 0
            ? $"the switch snoops IGMP (mcast_snooping 1) and its ports {string.Join(", ", sw.PortsNotFlooding)} do not flood unregistered groups (mcast_flood off), and no querier runs (mcast_querier 0)."
            : null;
}
