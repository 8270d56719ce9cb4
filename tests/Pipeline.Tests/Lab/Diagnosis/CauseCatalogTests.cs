using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Diagnosis;

namespace McastLab.Pipeline.Tests.Lab.Diagnosis;

/// <summary>
/// The catalog on the probes' real lines (captured from `mcast recv/send` in namespaces, see
/// DiagnosisProbeTests) and host evidence: each cause needs its evidence, and the order decides.
/// </summary>
public sealed class CauseCatalogTests
{
    // Captured: `ip netns exec NS mcast send --group 224.0.67.67 --count 1` in a pod namespace whose only route is the default via eth0.
    private const string SenderByDefaultRoute = """{"event":"diagnosis","role":"sender","group":"224.0.67.67","port":5003,"chosenBy":"route","outgoingInterface":"eth0","sourceAddress":"10.244.0.5","ttl":5,"route":{"destination":"0.0.0.0/0","interface":"eth0","multicast":false},"interfaceFlags":{"name":"eth0","up":true,"multicast":true,"promisc":false,"allmulti":false},"uid":65534}""";

    // Captured: the same with the attachment's 224.0.0.0/4 route on eth1.
    private const string SenderOnSegment = """{"event":"diagnosis","role":"sender","group":"224.0.67.67","port":5001,"chosenBy":"route","outgoingInterface":"eth1","sourceAddress":"10.0.0.13","ttl":1,"route":{"destination":"224.0.0.0/4","interface":"eth1","multicast":true},"interfaceFlags":{"name":"eth1","up":true,"multicast":true,"promisc":false,"allmulti":false},"uid":0}""";

    // Captured: `mcast recv --group 224.0.67.67 --format json` as uid 65534 (the diagnosis line).
    private const string ReceiverOnSegment = """{"event":"diagnosis","role":"receiver","group":"224.0.67.67","port":5001,"requestedInterface":null,"sourceFilter":null,"memberships":[{"interface":"eth1","users":1,"querierVersion":"V3"}],"route":{"destination":"224.0.0.0/4","interface":"eth1","multicast":true},"interfaceFlags":{"name":"eth1","up":true,"multicast":true,"promisc":false,"allmulti":false},"rpFilter":{"all":0,"interface":0,"effective":0},"receiveBufferBytes":4194304,"receiveBufferRequestedBytes":16777216,"rmemMax":4194304,"igmpMaxMemberships":20,"uid":65534}""";

    private static readonly FlowReceiver Receiver = new("k8s/pod-1", FlowDirection.OutsideToPod, "k8s/pod-1", FlowTool.McastRecv, "eth1", Expectation.Everything);
    private static readonly TrafficFlow Flow = new("outside-to-pods", 5001, new FlowSender("mcastsrc", FlowTool.McastSend, SourceChoice.Route), [Receiver]);
    private static readonly PlaceEvidence Pod = new("k8s/pod-1", "k8s", [], "bridge", new Dictionary<string, string>());
    private static readonly PlaceEvidence Source = new("mcastsrc", "mcastsrc", [], null, new Dictionary<string, string>());

    private static FailedReceiver Failed(string sender, long received, SegmentEvidence? segment = null, PlaceEvidence? pod = null) => new(
        new LabCheck { Name = "k8s/pod-1", Passed = false, Sent = 500, Received = received, Lost = 0 },
        Flow, Receiver, "eth1", 5, "10.0.0.12", "10.0.0.13",
        ReceiverProbeEvent.From(ReceiverOnSegment), SenderProbeEvent.From("mcast send: diagnosis: ...\n" + sender), pod ?? Pod, Source, segment);

    private static SegmentEvidence Switch(bool querier, IReadOnlyList<string> groupPorts, long membershipCs = 200) =>
        new(true, querier, membershipCs, 6000, ["p1", "p2"], groupPorts, new Dictionary<string, string> { ["k8s"] = "p1", ["mcastsrc"] = "p2" });

    [Fact]
    public void A_sender_that_leaves_by_its_default_route_has_no_route_to_the_group()
    {
        var check = CauseCatalog.Diagnose(Failed(SenderByDefaultRoute, 0));

        Assert.Equal("no-route", check.Diagnosis?.Cause);
        Assert.Contains("left by eth0 through the route 0.0.0.0/0", check.Diagnosis!.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_evidence_for_any_cause_the_check_keeps_no_diagnosis()
    {
        Assert.Null(CauseCatalog.Diagnose(Failed(SenderOnSegment, 0)).Diagnosis);
    }

    [Fact]
    public void A_snooping_switch_without_a_querier_is_named_and_with_one_a_stopped_stream_is_an_expired_membership()
    {
        Assert.Equal("no-querier", CauseCatalog.Diagnose(Failed(SenderOnSegment, 0, Switch(querier: false, []))).Diagnosis?.Cause);

        var expired = CauseCatalog.Diagnose(Failed(SenderOnSegment, 180, Switch(querier: true, ["p2"]))).Diagnosis;
        Assert.Equal("membership-expired", expired?.Cause);
        Assert.Contains("forgets a member after 2 s but queries every 60 s", expired!.Evidence, StringComparison.Ordinal);
        // Nothing at all is an expiry only when the switch forgets members between its queries.
        Assert.Equal("membership-expired", CauseCatalog.Diagnose(Failed(SenderOnSegment, 0, Switch(querier: true, ["p2"]))).Diagnosis?.Cause);
        Assert.Null(CauseCatalog.Diagnose(Failed(SenderOnSegment, 0, Switch(querier: true, ["p2"], membershipCs: 26000))).Diagnosis);
    }

    [Fact]
    public void An_igmp_drop_rule_where_the_receiver_is_comes_before_the_switch()
    {
        var blocked = Pod with { DropRules = ["-A OUTPUT -p igmp -j DROP"] };

        var check = CauseCatalog.Diagnose(Failed(SenderOnSegment, 0, Switch(querier: true, ["p2"]), blocked));

        Assert.Equal("igmp-blocked", check.Diagnosis?.Cause);
        Assert.Contains("does not hold the receiver's port p1", check.Diagnosis!.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Strict_rp_filter_needs_a_route_back_by_another_interface()
    {
        var strict = Pod with { RpFilter = 1, ReverseRouteInterface = new Dictionary<string, string> { ["10.0.0.12"] = "eth1" } };
        Assert.Null(CauseCatalog.Diagnose(Failed(SenderOnSegment, 0, pod: strict)).Diagnosis);

        var elsewhere = strict with { ReverseRouteInterface = new Dictionary<string, string> { ["10.0.0.12"] = "eth0" } };
        Assert.Equal("rp-filter", CauseCatalog.Diagnose(Failed(SenderOnSegment, 0, pod: elsewhere)).Diagnosis?.Cause);
    }
}
