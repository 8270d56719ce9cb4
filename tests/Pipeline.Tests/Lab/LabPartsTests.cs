using System.Net;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>The lab's parsers and rules, on fixed text (captured from the real tools).</summary>
public sealed class LabPartsTests
{
    [Theory]
    [InlineData("1M", 5, 445)]     // 1,048,576 bit/s of 1470-byte datagrams
    [InlineData("1m", 5, 425)]     // 1,000,000 bit/s
    [InlineData("500pps", 4, 2000)]
    [InlineData("10K", 10, 8)]
    [InlineData("1e4", 20, 17)]    // mcast's grammar (one file, Rate.cs): exponents too, 10,000 bit/s
    public void Nominal_datagrams_follow_iperf_units(string rate, int seconds, long expected) =>
        Assert.Equal(expected, LabTraffic.NominalDatagrams(rate, seconds));

    [Fact]
    public void Receivers_must_get_at_least_nine_tenths_of_the_nominal_count() =>
        Assert.Equal(400, LabTraffic.MinimumDatagrams("1M", 5));

    [Fact]
    public void An_unknown_rate_is_one_sentence() =>
        Assert.Contains("iperf units", Assert.Throws<PipelineException>(() => LabTraffic.DatagramsPerSecond("fast")).Message, StringComparison.Ordinal);

    private const string Igmp = """
        Idx	Device    : Count Querier	Group    Users Timer	Reporter
        1	lo        :     1      V3
        				010000E0     1 0:00000000		0
        2	eth1      :     2      V3
        				434300E0     1 0:00000000		0
        				010000E0     1 0:00000000		0

        """;

    [Fact]
    public void Igmp_table_shows_the_join_on_the_right_interface_only()
    {
        var group = IPAddress.Parse("224.0.67.67");
        Assert.True(IgmpMembership.IsJoined(Igmp, "eth1", group));
        Assert.False(IgmpMembership.IsJoined(Igmp, "lo", group));
        Assert.False(IgmpMembership.IsJoined(Igmp, "eth1", IPAddress.Parse("224.0.67.68")));
    }

    [Fact]
    public void Igmp_users_count_every_socket_joined_in_the_namespace()
    {
        const string table = """
            Idx	Device    : Count Querier	Group    Users Timer	Reporter
            2	eth1      :     2      V3
            				434300E0     4 0:00000000		0
            				010000E0     1 0:00000000		0

            """;
        Assert.Equal(4, IgmpMembership.Users(table, "eth1", IPAddress.Parse("224.0.67.67")));
        Assert.Equal(0, IgmpMembership.Users(table, "eth0", IPAddress.Parse("224.0.67.67")));
    }

    [Fact]
    public void The_experiment_has_every_direction_and_crosses_nodes_only_with_several()
    {
        var one = Plan(McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters().Lab);
        var two = Plan(McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters(("nodes", "2"), ("pods", "2")).Lab);
        string[] Directions(LabExperiment e) => [.. e.Flows.SelectMany(f => f.Receivers).Select(r => r.Direction).Distinct().Order(StringComparer.Ordinal)];

        Assert.Equal([FlowDirection.ClusterNetwork, FlowDirection.NodeFromOwnPod, FlowDirection.OutsideToPod, FlowDirection.PodToOutside, FlowDirection.PodToPodSameNode], Directions(one));
        Assert.Contains(FlowDirection.PodToPodCrossNode, Directions(two));
        // Flows run at once: each on its own port.
        Assert.Equal(one.Flows.Count, one.Flows.Select(f => f.Port).Distinct().Count());
        var control = one.Flows.SelectMany(f => f.Receivers).Single(r => r.Check == LabExperiment.NegativeControl);
        Assert.Equal(("eth0", Expectation.Nothing), (control.Interface, control.Expect));
        Assert.False(one.Pods.Single(p => p.Name == LabExperiment.ControlPod).Attached);
        Assert.Equal(
            [SourceChoice.Route, SourceChoice.Interface, SourceChoice.Bind, SourceChoice.Bind],
            one.Flows.Where(f => f.Sender.Place == "k8s/sender").Select(f => f.Sender.Source));
    }

    [Fact]
    public void The_node_hearing_its_own_pods_is_flagged_as_a_change()
    {
        var experiment = Plan(McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters().Lab);
        var flow = experiment.Flows.Single(f => f.Receivers.Any(r => r.Direction == FlowDirection.NodeFromOwnPod));
        var node = flow.Receivers.Single(r => r.Direction == FlowDirection.NodeFromOwnPod);
        var heard = """{"event":"summary","source":"10.0.0.13:1","received":5,"lost":0}""" + "\n" + """{"event":"end","streams":1,"ok":true,"reason":"interrupted"}""";

        var check = FlowVerdict.Judge(flow, node, new ContainerOutcome(0, "", ""), new ContainerOutcome(130, heard, ""), true, 400, "10.0.0.13", "10.0.0.11");

        Assert.False(check.Passed);
        Assert.StartsWith("nothing (macvlan", check.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_is_given_the_multicast_route_without_its_no_gateway_marker()
    {
        var result = JsonNode.Parse("""{"routes":[{"dst":"224.0.0.0/4","gw":"0.0.0.0"},{"dst":"0.0.0.0/0","gw":"10.244.0.1"}]}""")!;

        var routes = PodAttachment.AsKernelHoldsIt(result)["routes"]!.AsArray();

        Assert.Null(routes[0]!["gw"]);
        Assert.Equal("10.244.0.1", (string?)routes[1]!["gw"]);
        Assert.Equal("0.0.0.0", (string?)result["routes"]![0]!["gw"]);
    }

    [Fact]
    public void Several_nodes_get_consecutive_equal_slices_of_the_range()
    {
        var lab = McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters(("nodes", "2")).Lab;

        var slices = McastLab.Pipeline.Manifests.NodeNetworkFiles.Slices(lab, lab.NodeNames);

        Assert.Equal([("k8s", "10.0.0.13", "10.0.0.133"), ("k8s-2", "10.0.0.134", "10.0.0.254")],
            slices.Select(x => (x.Node, x.Start.ToString(), x.End.ToString())));
        var files = new McastLab.Pipeline.Manifests.LabManifests(lab, McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters().Images).Files();
        Assert.Contains(files, f => f.Path == "manifests/nodes/k8s-2/eth1-multicast.conf" && f.Content.Contains("\"rangeStart\": \"10.0.0.134\"", StringComparison.Ordinal));
        Assert.Contains("config: \"\"", files.Single(f => f.Path == "manifests/network-attachment.yaml").Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Mcast_json_summaries_are_summed_and_the_end_event_gives_the_verdict()
    {
        const string output = """
            {"event":"interval","group":"224.0.67.67","port":5001,"source":"10.0.0.12:1","received":90,"lost":0,"outOfOrder":0,"duplicates":0,"jitterMs":0.1,"ttl":5}
            {"event":"summary","group":"224.0.67.67","port":5001,"source":"10.0.0.12:1","received":178,"lost":2,"outOfOrder":1,"duplicates":3,"jitterMs":0.005536,"ttl":5}
            {"event":"summary","group":"224.0.67.67","port":5001,"source":"10.0.0.12:2","received":10,"lost":0,"outOfOrder":0,"duplicates":0,"jitterMs":0.02,"ttl":null}
            {"event":"end","streams":2,"ok":false,"reason":"stream 10.0.0.12:1 lost 1.111% (2 datagrams), more than the allowed 0%","interrupted":false}
            """;
        var report = ReceiverReport.FromMcastJson(output)!;
        Assert.Equal(188, report.Received);
        Assert.Equal(2, report.Lost);
        Assert.Equal(1, report.Reordered);
        Assert.Equal(3, report.Duplicates);
        Assert.Equal(0.02, report.JitterMs);
        Assert.Equal(5, report.TtlSeen);
        Assert.Equal(2, report.Streams);
        Assert.False(report.Ok);
        Assert.StartsWith("stream 10.0.0.12:1 lost", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Mcast_output_without_an_end_event_is_no_report() =>
        Assert.Null(ReceiverReport.FromMcastJson("mcast recv: --interface 'eth9' is not an interface here; there are: lo, eth1.\n"));

    [Fact]
    public void Iperf_server_text_gives_the_whole_tests_figures_without_the_end_of_test_datagram()
    {
        const string output = """
            [  1] local 224.0.67.67 port 5001 connected with 10.0.0.12 port 55917
            [ ID] Interval       Transfer     Bandwidth        Jitter   Lost/Total Datagrams
            [  1] 0.0000-1.0000 sec   131 KBytes  1.07 Mbits/sec   0.004 ms 0/91 (0%)
            [  1] 2.0000-3.0000 sec   128 KBytes  1.05 Mbits/sec   0.005 ms 0/89 (0%)
            [  1] 0.0000-3.0169 sec   389 KBytes  1.06 Mbits/sec   0.006 ms 2/271 (0.74%)
            [  1] 0.0000-3.0169 sec  3 datagrams received out-of-order
            """;
        var report = ReceiverReport.FromIperfText(output)!;
        Assert.Equal(268, report.Received);
        Assert.Equal(2, report.Lost);
        Assert.Equal(3, report.Reordered);
        Assert.Equal(0.006, report.JitterMs);
        Assert.Equal(0.74, report.LossPercent);
    }

    [Fact]
    public void Iperf_client_sent_count_is_two_more_than_its_data_datagrams()
    {
        Assert.Equal(92, SenderReport.DataDatagrams(FlowTool.IperfClient, "[  1] 0.0000-1.0120 sec   131 KBytes  1.06 Mbits/sec\n[  1] Sent 94 datagrams\n"));
        Assert.Null(SenderReport.DataDatagrams(FlowTool.IperfClient, "[  1] local 10.0.0.12 port 1\n"));
    }

    [Fact]
    public void Mcast_send_count_is_read_from_its_summary_line() =>
        Assert.Equal(179, SenderReport.DataDatagrams(FlowTool.McastSend, "mcast send: 179 datagrams (263130 bytes) from 10.0.0.12:40000 to 224.0.67.67:5001 ttl 5 in 2.000 s: 1.05 Mbits/sec, 90 pps\n"));

    private static LabExperiment Plan(LabSettings lab) => LabExperiment.Plan(lab, LocalLab.Topology(lab));

    private static readonly LabExperiment Experiment = Plan(McastLab.Pipeline.Tests.Boxes.BoxTestContext.Parameters().Lab);

    private static (TrafficFlow Flow, FlowReceiver Receiver) Receiver(string check)
    {
        var flow = Experiment.Flows.Single(f => f.Receivers.Any(r => r.Check == check));
        return (flow, flow.Receivers.Single(r => r.Check == check));
    }

    [Fact]
    public void A_receiver_short_of_datagrams_fails_and_says_how_many_are_missing()
    {
        const string json = """
            {"event":"summary","source":"10.0.0.12:1","received":150,"lost":0,"outOfOrder":0,"duplicates":0,"jitterMs":0.01,"ttl":5}
            {"event":"end","streams":1,"ok":false,"reason":"expected at least 400 datagrams, received 150"}
            """;
        var (flow, receiver) = Receiver("k8s/pod-1");
        var check = FlowVerdict.Judge(flow, receiver, new ContainerOutcome(137, "", ""), new ContainerOutcome(1, json, ""), true, 400, "10.0.0.12", "10.0.0.13");
        Assert.False(check.Passed);
        Assert.Equal(150, check.Received);
        Assert.Contains("sender exited with code 137 before it finished", check.Detail, StringComparison.Ordinal);
        Assert.Contains("250 or more missing", check.Detail, StringComparison.Ordinal);
        Assert.Equal(FlowDirection.OutsideToPod, check.Direction);
    }

    [Fact]
    public void The_negative_control_fails_when_it_hears_anything()
    {
        const string json = """
            {"event":"summary","source":"10.0.0.12:1","received":3,"lost":0,"outOfOrder":0,"duplicates":0,"jitterMs":0.01,"ttl":5}
            {"event":"end","streams":1,"ok":true,"reason":"interrupted"}
            """;
        var (flow, control) = Receiver(LabExperiment.NegativeControl);
        var heard = FlowVerdict.Judge(flow, control, new ContainerOutcome(0, "", ""), new ContainerOutcome(130, json, ""), true, 400, "10.0.0.12", null);
        var deaf = FlowVerdict.Judge(flow, control, new ContainerOutcome(0, "", ""), new ContainerOutcome(130, """{"event":"end","streams":0,"ok":true,"reason":"interrupted"}""", ""), true, 400, "10.0.0.12", null);
        Assert.False(heard.Passed);
        Assert.True(deaf.Passed, deaf.Detail);
        Assert.Equal("eth0", deaf.Interface);
    }

    [Fact]
    public void A_control_that_never_joined_proves_nothing_and_fails()
    {
        var (flow, control) = Receiver(LabExperiment.NegativeControl);
        var check = FlowVerdict.Judge(flow, control, new ContainerOutcome(0, "", ""), new ContainerOutcome(130, """{"event":"end","streams":0,"ok":true,"reason":"interrupted"}""", ""), false, 400, "10.0.0.12", null);
        Assert.False(check.Passed);
        Assert.Contains("proves nothing", check.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mcl3f9a2c-k8s", "mcl3f9a2c")]
    [InlineData("mcl3f9a2c-k8s-2-pod-1-recv", "mcl3f9a2c")]
    [InlineData("mcl3f9a2c", "mcl3f9a2c")]
    [InlineData("mclab-k8s", null)]
    [InlineData("k8s", null)]
    [InlineData("mcl3f9a2cd-k8s", null)]
    public void Run_ids_are_recognised_only_in_names_of_the_scheme(string name, string? run) =>
        Assert.Equal(run, LabRunId.FromName(name)?.Value);

    [Fact]
    public void New_run_ids_are_unique_and_fit_interface_names()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => LabRunId.New()).ToList();
        Assert.Equal(50, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(id.Name("p16").Length <= 15));
    }

    [Fact]
    public void A_run_is_live_while_its_lock_is_held_and_stale_after()
    {
        var root = Directory.CreateTempSubdirectory("mcastlab-lab-state-");
        try
        {
            var run = LabRunId.New();
            using (LabRunLock.Acquire(run, root.FullName))
            {
                Assert.True(LabRunLock.IsLive(run, root.FullName));
            }
            Assert.False(LabRunLock.IsLive(run, root.FullName));
            Assert.False(LabRunLock.IsLive(LabRunId.New(), root.FullName));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_nads_configuration_changes_only_in_its_ipam_data_directory()
    {
        const string nad = """{"cniVersion":"1.0.0","name":"eth1-multicast","type":"macvlan","master":"eth1","mode":"bridge","ipam":{"type":"host-local","subnet":"10.0.0.0/24"}}""";
        var config = JsonNode.Parse(PodAttachment.ForRun(nad, "/run/mcastlab-lab/mcl000001/ipam"))!;
        Assert.Equal("/run/mcastlab-lab/mcl000001/ipam", (string?)config["ipam"]!["dataDir"]);
        config["ipam"]!.AsObject().Remove("dataDir");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(nad), config));
        Assert.Equal(["macvlan", "host-local"], PodAttachment.RequiredPlugins(nad));
    }

    [Fact]
    public void Link_names_come_from_ip_one_line_output() =>
        Assert.Equal(["lo", "eth1", "mcl3f9a2c-br"], NetworkNamespaces.ParseLinkNames(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n2: eth1@if3: <BROADCAST,MULTICAST,UP> mtu 1500\n4: mcl3f9a2c-br: <BROADCAST> mtu 1500\n"));
}
