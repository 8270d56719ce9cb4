using McastLab.Pipeline.Lab;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab.Cluster;
using McastLab.Pipeline.Lab.Vagrant;
using McastLab.Pipeline.Manifests;
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

    [Fact]
    public async Task The_VMs_get_the_images_and_mcastsrc_runs_the_walkthroughs_sender()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        // The VM's iperf prints what a real iperf 2.1.8 printed (Captured/README.md).
        File.AppendAllText(Path.Combine(tools.Directory, "vagrant"), $"if [[ $1 == ssh && $* == *iperf* ]]; then cat '{CapturedFile("iperf-client.txt")}'; fi\n");
        tools.Write("docker", "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" >>\"$(dirname \"$0\")/docker.calls\"\ntouch \"$3\"");
        var (hosts, parameters) = Hosts(scratch, tools);

        await hosts.LoadImagesAsync(["reg/mcast:1", "reg/iperf:1"], TestContext.Current.CancellationToken);
        var sent = await hosts.SendAsync("reg/iperf:1", "iperf", Walkthrough(parameters.Lab), TestContext.Current.CancellationToken);

        var archive = Path.Combine(parameters.Layout.Lab, "images.tar");
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
            "ssh mcastsrc --no-tty -c sudo docker run --rm --network host --entrypoint iperf reg/iperf:1 -c 224.0.67.67 -u --ttl 5 -t 5 -b 1M -p 5001 -B 10.0.0.12",
        ], tools.Calls("vagrant"));
        Assert.Equal(0, sent.ExitCode);
        Assert.Equal(448, SenderReport.DataDatagrams(FlowTool.IperfClient, sent.Stdout));
    }

    /// <summary>The two-VM lab with one worker, its vagrant and docker the fake tools.</summary>
    private static (VagrantHosts Hosts, McastLab.Pipeline.Parameters.BuildParameters Parameters) Hosts(ScratchRepository scratch, FakeTools tools)
    {
        var parameters = scratch.Parameters(("workers", "1"));
        var runner = BoxTestContext.Runner(tools.Locator);
        return (new VagrantHosts(runner, new CapturingLog(), new VagrantLab(runner, new CapturingLog(), scratch.Layout(parameters), parameters), parameters.Layout), parameters);
    }

    private static string CapturedFile(string name) => Path.Combine(Tests.RepositoryRoot.Path, "tests", "Pipeline.Tests", "Lab", "Captured", name);

    /// <summary>The walkthrough's sender on mcastsrc: the experiment's own arguments, bound to mcastsrc's address.</summary>
    private static IReadOnlyList<string> Walkthrough(McastLab.Pipeline.Parameters.LabSettings settings) =>
        LabExperiment.SenderArguments(new FlowSender(LabExperiment.SourceHost, FlowTool.IperfClient, SourceChoice.Bind), settings.Port, settings, settings.McastsrcAddress.ToString());

    [Fact]
    public async Task A_receiver_on_mcastsrc_runs_on_its_host_network_by_name_and_is_stopped_by_that_name()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        // mcastsrc's mcast recv prints what a real one printed (Captured/README.md), and exits 1 as it does when it missed datagrams.
        File.AppendAllText(Path.Combine(tools.Directory, "vagrant"), $"if [[ $1 == ssh && $* == *' recv '* ]]; then cat '{CapturedFile("mcast-recv-one-missing.jsonl")}'; exit 1; fi\n");
        var (hosts, parameters) = Hosts(scratch, tools);
        var settings = parameters.Lab;
        var receiver = new FlowReceiver("mcastsrc/from-pod-bind", FlowDirection.PodToOutside, LabExperiment.SourceHost, FlowTool.McastRecv, settings.Interface, Expectation.Everything);

        var heard = await hosts.ReceiveAsync("mcl000001-recv-5004", "reg/mcast:1", "mcast", LabExperiment.ReceiverArguments(receiver, 5004, settings, 440), TestContext.Current.CancellationToken);
        await hosts.StopReceiverAsync("mcl000001-recv-5004", TestContext.Current.CancellationToken);

        Assert.Equal(
        [
            "ssh mcastsrc --no-tty -c sudo docker run --rm --network host --name mcl000001-recv-5004 --entrypoint mcast reg/mcast:1 recv --group 224.0.67.67 --port 5004 --format json --interval 1 --duration 65 --interface eth1 --expect-packets 440 --max-loss 0",
            "ssh mcastsrc --no-tty -c sudo docker stop --time 10 mcl000001-recv-5004 >/dev/null 2>&1 || true",
        ], tools.Calls("vagrant"));
        Assert.Equal(1, heard.ExitCode);
        Assert.Equal(447, ReceiverReport.FromMcastJson(heard.Stdout, null)!.Received);
    }

    [Fact]
    public async Task A_rate_with_shell_characters_reaches_the_VM_quoted()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        var (hosts, parameters) = Hosts(scratch, tools);
        // Parameter resolution refuses such a rate (ParameterCatalogTests); the quoting still guards the command itself.
        var settings = parameters.Lab with { Rate = "1M; rm -rf /" };

        await hosts.SendAsync("reg/iperf:1", "iperf", Walkthrough(settings), TestContext.Current.CancellationToken);

        Assert.Contains("-b '1M; rm -rf /' -p 5001 -B", Assert.Single(tools.Calls("vagrant")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_cluster_backend_without_a_started_lab_says_to_run_LabUp()
    {
        using var scratch = BoxTestContext.Scratch();
        var parameters = scratch.Parameters(("lab-backend", "vagrant"));

        var error = Assert.Throws<PipelineException>(() => VagrantBackend.Create(BoxTestContext.Runner(), new CapturingLog(), parameters, LabRunId.New()));

        Assert.Equal($"The cluster's kubeconfig {Path.Combine(scratch.Root, "artifacts", "lab", "kubeconfig")} is missing; start the two-VM lab with ./build.sh LabUp and run again.", error.Message);
    }

    [Fact]
    public void The_vagrant_backend_with_a_broken_kubeconfig_says_which_file_and_why()
    {
        using var scratch = BoxTestContext.Scratch();
        var parameters = scratch.Parameters(("lab-backend", "vagrant"));
        Directory.CreateDirectory(parameters.Layout.Lab);
        File.WriteAllText(parameters.Layout.Kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n");

        var error = Assert.Throws<PipelineException>(() => VagrantBackend.Create(BoxTestContext.Runner(), new CapturingLog(), parameters, LabRunId.New()));

        Assert.StartsWith($"The kubeconfig {parameters.Layout.Kubeconfig} cannot be used (", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("); check it, then run again.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cluster_backend_without_a_kubeconfig_says_where_it_looked()
    {
        using var scratch = BoxTestContext.Scratch();
        var missing = Path.Combine(scratch.Root, "no-such-kubeconfig");
        var parameters = scratch.Parameters(("lab-backend", "cluster"), ("kubeconfig", missing));

        var error = Assert.Throws<PipelineException>(() => ClusterLab.ForCluster(new CapturingLog(), parameters, LabRunId.New()));

        Assert.Equal($"The kubeconfig {missing} is missing; point --kubeconfig (or KUBECONFIG) at your cluster's kubeconfig and run again.", error.Message);
    }

    [Fact]
    public void Every_node_gets_its_own_slice_of_the_range_and_the_sender_its_own_address()
    {
        var plan = ClusterPlan.Create(lab, LabExperiment.Plan(lab, BackendTopology.Complete(["a", "b", "c"], 1)), outsideSender: false);

        Assert.Equal(["eth1-multicast-1 10.0.0.13-10.0.0.92", "eth1-multicast-2 10.0.0.93-10.0.0.172", "eth1-multicast-3 10.0.0.173-10.0.0.252", "eth1-multicast-sender 10.0.0.12-10.0.0.12"],
            plan.Attachments.Select(a => $"{a.Name} {a.RangeStart}-{a.RangeEnd}"));
        Assert.Equal(["a/pod-1", "b/pod-2", "c/pod-3", "a/sender", "a/control"], plan.Experiment.Pods.Select(p => p.Key));
    }

    [Fact]
    public void With_an_outside_sender_the_pod_sender_takes_the_ranges_last_address_kept_out_of_the_slices()
    {
        var plan = ClusterPlan.Create(lab, LabExperiment.Plan(lab, BackendTopology.Complete(["a", "b"], 1)), outsideSender: true);

        Assert.Equal("10.0.0.254", plan.SenderAddress.ToString());
        // 13-253 split in two equal slices: 13-132, 133-252; 254 is in none.
        Assert.Equal(["10.0.0.13-10.0.0.132", "10.0.0.133-10.0.0.252"], plan.NodeAttachments.Values.Select(a => $"{a.RangeStart}-{a.RangeEnd}"));
    }

    [Fact]
    public void More_nodes_than_addresses_says_what_to_widen()
    {
        var small = lab with { RangeStart = System.Net.IPAddress.Parse("10.0.0.13"), RangeEnd = System.Net.IPAddress.Parse("10.0.0.14") };

        var error = Assert.Throws<PipelineException>(() => ClusterPlan.Create(small, LabExperiment.Plan(small, BackendTopology.Complete(["a", "b", "c"], 1)), outsideSender: false));

        Assert.Equal("The IPAM range 10.0.0.13-10.0.0.14 has 2 address(es) for 3 nodes; widen --range-start/--range-end or narrow --node-selector.", error.Message);
    }

    [Theory]
    [InlineData("POST", "/api/v1/namespaces", "create", "namespaces", null)]
    [InlineData("DELETE", "/api/v1/namespaces/lab-1", "delete", "namespaces", null)]
    [InlineData("DELETE", "/api/v1/namespaces/lab-1/pods?labelSelector=mcastlab.io%2Frun%3Dmcl000001", "deletecollection", "pods", "lab-1")]
    [InlineData("GET", "/api/v1/nodes", "list", "nodes", null)]
    [InlineData("GET", "/api/v1/namespaces/lab-1/pods?watch=true&labelSelector=x", "watch", "pods", "lab-1")]
    [InlineData("GET", "/api/v1/namespaces/lab-1/pods/pod-1/log?container=recv-5001", "get", "pods/log", "lab-1")]
    [InlineData("PATCH", "/apis/k8s.cni.cncf.io/v1/namespaces/lab-1/network-attachment-definitions/eth1-multicast-1", "patch", "network-attachment-definitions.k8s.cni.cncf.io", "lab-1")]
    [InlineData("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/network-attachment-definitions.k8s.cni.cncf.io", "get", "customresourcedefinitions.apiextensions.k8s.io", null)]
    public void A_refused_request_is_named_as_RBAC_names_it(string method, string path, string verb, string resource, string? ns)
    {
        var described = ForbiddenRequestHandler.Describe(new HttpMethod(method), new Uri("https://cluster:6443" + path));

        Assert.Equal((verb, resource, ns), described);
    }
}
