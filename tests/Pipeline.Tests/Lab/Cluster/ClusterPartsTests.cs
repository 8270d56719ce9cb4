using McastLab.Pipeline.Lab;
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

    private static ContainerOutcome Sender(string file) => new(0, string.Join("\n", ClusterLabTests.Captured(file)), "");

    private static ReceiverLog.Outcome Log(string file) => new(string.Join("\n", ClusterLabTests.Captured(file)) + "\n", Ended: true);

    [Fact]
    public void A_real_complete_run_passes_with_iperfs_data_datagrams_not_its_raw_sent_count()
    {
        var check = ClusterLab.Judge("pod-1/iperf-to-mcast", "10.0.0.13", Sender("iperf-client.txt"), Log("mcast-recv.jsonl"), lab);

        Assert.True(check.Passed, check.Detail);
        Assert.Equal((448L, 448L), (check.Sent!.Value, check.Received!.Value));
    }

    [Fact]
    public void A_real_run_missing_one_datagram_fails()
    {
        var check = ClusterLab.Judge("x", null, Sender("iperf-client-one-missing.txt"), Log("mcast-recv-one-missing.jsonl"), lab);

        Assert.False(check.Passed);
        Assert.Contains("(1 missing)", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_mcastsrcs_stream_counts()
    {
        // The real log, its stream renamed to another source: nothing from mcastsrc arrived.
        var other = Log("mcast-recv.jsonl") with { JsonLines = Log("mcast-recv.jsonl").JsonLines.Replace("10.0.0.12:", "10.0.0.99:", StringComparison.Ordinal) };

        var check = ClusterLab.Judge("x", null, Sender("iperf-client.txt"), other, lab);

        Assert.False(check.Passed);
        Assert.Contains("received 0 of the 448 datagrams sent", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_VMs_get_the_images_and_mcastsrc_runs_the_walkthroughs_sender()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        // The VM's iperf prints what a real iperf 2.1.8 printed (Captured/README.md).
        var captured = Path.Combine(Tests.RepositoryRoot.Path, "tests", "Pipeline.Tests", "Lab", "Cluster", "Captured", "iperf-client.txt");
        File.AppendAllText(Path.Combine(tools.Directory, "vagrant"), $"if [[ $1 == ssh && $* == *iperf* ]]; then cat '{captured}'; fi\n");
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
        Assert.Equal(0, sent.ExitCode);
        Assert.Equal(448, SenderReport.DataDatagrams(FlowTool.IperfClient, sent.Stdout));
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
