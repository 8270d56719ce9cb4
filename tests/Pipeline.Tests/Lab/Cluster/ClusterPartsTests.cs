using System.Text.Json.Nodes;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Tests.Boxes;

namespace McastLab.Pipeline.Tests.Lab.Cluster;

public sealed class ClusterPartsTests
{
    private readonly McastLab.Pipeline.Parameters.LabSettings lab = BoxTestContext.Parameters().Lab;

    [Fact]
    public void YAML_scalars_keep_their_types_and_quoted_ones_stay_text()
    {
        var documents = YamlDocuments.Parse("""
            ---
            kind: Pod
            spec:
              port: 5001
              ratio: 0.5
              enabled: true
              nothing: null
              quoted: "5001"
              version: 1.34
              image: repo:v1
              list: [a, 2]
            ---
            ---
            kind: ConfigMap
            """);

        Assert.Equal(2, documents.Count);
        var spec = documents[0]["spec"]!.AsObject();
        Assert.Equal("""{"port":5001,"ratio":0.5,"enabled":true,"nothing":null,"quoted":"5001","version":1.34,"image":"repo:v1","list":["a",2]}""", spec.ToJsonString());
    }

    [Fact]
    public void Kinds_outside_the_known_table_are_refused_with_where_to_add_them()
    {
        var error = Assert.Throws<PipelineException>(() => ResourceKind.Of("batch/v1", "Job"));

        Assert.Equal("The lab cannot apply Job (batch/v1): it is not one of the kinds in ResourceKind; add it there with its plural and scope.", error.Message);
        Assert.Equal("network-attachment-definitions", ResourceKind.Of("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition").Plural);
    }

    [Theory]
    [InlineData(null, false, "the pod has no k8s.v1.cni.cncf.io/network-status annotation")]
    [InlineData("not json", false, "the k8s.v1.cni.cncf.io/network-status annotation is not the JSON list Multus writes")]
    [InlineData("""[{"name":"cbr0","interface":"eth0","ips":["10.244.0.5"]}]""", false, "the pod has no eth1 in k8s.v1.cni.cncf.io/network-status (it has cbr0:eth0)")]
    [InlineData("""[{"name":"default/eth1-multicast","interface":"eth1","ips":["fe80::1"]}]""", false, "eth1 from default/eth1-multicast has no IPv4 address")]
    [InlineData("""[{"name":"default/eth1-multicast","interface":"eth1","ips":["10.0.0.254"]}]""", true, "eth1 (default/eth1-multicast) has 10.0.0.254, inside the IPAM range 10.0.0.13-10.0.0.254")]
    public void The_network_status_must_give_eth1_an_address_from_the_IPAM_range(string? annotation, bool passed, string detail)
    {
        var annotations = annotation is null ? null : new Dictionary<string, string> { [NetworkStatus.Annotation] = annotation };

        var result = NetworkStatus.Check(annotations, lab);

        Assert.Equal(passed, result.Passed);
        Assert.StartsWith(detail, result.Detail, StringComparison.Ordinal);
    }

    private static string Summary(string source, long received, long lost) =>
        $$"""{"event":"summary","group":"224.0.67.67","port":5001,"source":"{{source}}","received":{{received}},"lost":{{lost}},"outOfOrder":0,"duplicates":0,"jitterMs":0.02,"ttl":4}""" + "\n";

    private static string End(bool ok) => $$"""{"event":"end","streams":2,"ok":{{(ok ? "true" : "false")}},"reason":"every stream sent its end-of-test datagram"}""" + "\n";

    [Fact]
    public void The_summary_of_mcastsrcs_stream_is_judged_when_other_sources_were_heard_too()
    {
        var outcome = new ReceiverLog.Outcome(Summary("10.0.0.99:5000", 3, 7) + Summary("10.0.0.12:41000", 446, 0) + End(ok: true), Ended: true);

        var check = ClusterLab.Judge("pod-1/iperf-to-mcast", "10.0.0.13", 446, outcome, lab);

        Assert.True(check.Passed, check.Detail);
        Assert.Equal("446 datagram(s) from 10.0.0.12 reached the pod, none lost", check.Detail);
        Assert.Equal(0, check.Lost);
    }

    [Fact]
    public void Fewer_datagrams_than_the_sender_sent_fail_even_without_counted_loss()
    {
        var outcome = new ReceiverLog.Outcome(Summary("10.0.0.12:41000", 400, 0) + End(ok: true), Ended: true);

        Assert.False(ClusterLab.Judge("x", null, 446, outcome, lab).Passed);
        Assert.True(ClusterLab.Judge("x", null, null, outcome, lab).Passed);
    }

    [Fact]
    public void A_receiver_that_heard_only_other_sources_or_never_ended_fails_with_the_reason()
    {
        var others = ClusterLab.Judge("x", null, 446, new ReceiverLog.Outcome(Summary("10.0.0.99:5000", 3, 0) + End(ok: true), Ended: true), lab);
        Assert.False(others.Passed);
        Assert.StartsWith("the receiver ended (every stream sent its end-of-test datagram) without a datagram from 10.0.0.12", others.Detail, StringComparison.Ordinal);

        var unfinished = ClusterLab.Judge("x", null, 446, new ReceiverLog.Outcome(Summary("10.0.0.12:41000", 446, 0), Ended: false), lab);
        Assert.False(unfinished.Passed);
        Assert.StartsWith("the receiver reported nothing within the wait", unfinished.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_VMs_get_the_images_and_mcastsrc_runs_the_walkthroughs_sender()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        File.AppendAllText(Path.Combine(tools.Directory, "vagrant"), "if [[ $1 == ssh && $* == *iperf* ]]; then echo '[  1] Sent 446 datagrams'; fi\n");
        tools.Write("docker", "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >>\"$(dirname \"$0\")/docker.calls\"\ntouch \"$3\"");
        var parameters = scratch.Parameters(("workers", "1"));
        var layout = scratch.Layout(parameters);
        var runner = BoxTestContext.Runner(tools.Locator);
        var hosts = new VagrantHosts(runner, new CapturingLog(), new VagrantLab(runner, new CapturingLog(), layout, parameters), layout, parameters.Boxes);

        await hosts.LoadImagesAsync(["reg/mcast:1", "reg/iperf:1"], TestContext.Current.CancellationToken);
        var sent = await hosts.SendAsync("reg/iperf:1", parameters.Lab, TestContext.Current.CancellationToken);

        var archive = Path.Combine(layout.LabDirectory, "images.tar");
        Assert.Equal([$"save -o {archive} reg/mcast:1 reg/iperf:1"], tools.Calls("docker"));
        Assert.False(File.Exists(archive));
        Assert.Equal(
        [
            $"upload {archive} /tmp/mcastlab-images.tar k8s",
            "ssh k8s --no-tty -c sudo ctr -n k8s.io images import /tmp/mcastlab-images.tar && rm -f /tmp/mcastlab-images.tar",
            $"upload {archive} /tmp/mcastlab-images.tar worker1",
            "ssh worker1 --no-tty -c sudo ctr -n k8s.io images import /tmp/mcastlab-images.tar && rm -f /tmp/mcastlab-images.tar",
            $"upload {archive} /tmp/mcastlab-images.tar mcastsrc",
            "ssh mcastsrc --no-tty -c sudo docker load -i /tmp/mcastlab-images.tar && rm -f /tmp/mcastlab-images.tar",
            "ssh mcastsrc --no-tty -c sudo docker run --rm --network host --entrypoint iperf reg/iperf:1 -c 224.0.67.67 -p 5001 -u --ttl 5 -t 5 -b 1M -B 10.0.0.12",
        ], tools.Calls("vagrant"));
        Assert.Equal(446, sent);
    }

    [Fact]
    public void A_rate_with_shell_characters_reaches_the_VM_quoted()
    {
        // Parameter resolution refuses such a rate (ParameterCatalogTests); the quoting still guards the command itself.
        var settings = BoxTestContext.Parameters().Lab with { Rate = "1M; rm -rf /" };

        var command = VagrantHosts.SenderCommand("reg/iperf:1", settings);

        Assert.Contains("-b '1M; rm -rf /' -B", command, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cluster_backend_without_a_started_lab_says_to_run_LabUp()
    {
        using var scratch = BoxTestContext.Scratch();
        var parameters = scratch.Parameters(("lab-backend", "vagrant"));

        var error = Assert.Throws<PipelineException>(() => ClusterLab.Create(BoxTestContext.Runner(), new CapturingLog(), parameters));

        Assert.Equal($"The cluster's kubeconfig {Path.Combine(scratch.Root, "artifacts", "lab", "kubeconfig")} is missing; start the two-VM lab with ./build.sh LabUp and run again.", error.Message);
    }

    [Fact]
    public void The_committed_manifests_give_the_cluster_backend_one_attachment_and_the_mcast_receiver_pod()
    {
        var documents = LabDocuments.Read(Path.Combine(BoxTestContext.RepositoryRoot, "manifests"));

        var attachment = Assert.Single(documents.Attachments);
        Assert.Equal(lab.NetworkName, attachment["metadata"]!["name"]!.GetValue<string>());
        var pod = Assert.Single(documents.ReceiverPods);
        Assert.Equal("multicast-example", pod["metadata"]!["name"]!.GetValue<string>());
        var pinned = LabDocuments.WithReceiverImage(pod, "reg/mcast:1.2.3");
        Assert.Equal("reg/mcast:1.2.3", pinned["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.NotEqual("reg/mcast:1.2.3", pod["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
    }
}
