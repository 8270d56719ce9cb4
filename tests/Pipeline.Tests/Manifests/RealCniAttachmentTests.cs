using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Cni;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Prerequisites;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>
/// The CNI configuration of the committed NetworkAttachmentDefinition, executed by the real macvlan and
/// host-local plugins the way Multus runs them: in a "node" namespace whose eth1 (one end of a veth pair;
/// macvlan cannot sit on a dummy link here) is the master, for a "pod" namespace.
/// </summary>
public sealed class RealCniAttachmentTests
{
    private readonly SecretMasker masker = new();
    private readonly ProcessRunner runner;

    public RealCniAttachmentTests() => runner = new ProcessRunner(new ConsoleBuildLog(), masker);

    [Fact]
    public async Task Add_check_and_delete_give_the_pod_a_bridge_mode_eth1_in_the_range_and_free_the_lease()
    {
        var plugins = SkipUnlessPossible();
        await using var lab = await NodeAndPod.CreateAsync(runner);
        var network = GeneratedNetworkWithLeasesIn(lab.LeaseDirectory);
        var config = network.ToJson();
        var cni = new CniPlugin(runner, plugins);
        var invocation = lab.Invocation();

        var added = await cni.AddAsync(config, invocation, TestContext.Current.CancellationToken);

        var address = AddressOf(added);
        var settings = ManifestTestParameters.Resolve().Lab;
        Assert.True(settings.InPodRange(address), $"{address} is outside {settings.RangeStart}-{settings.RangeEnd}");
        var link = await lab.PodLinkAsync("eth1");
        Assert.NotNull(link);
        Assert.Equal("macvlan", (string?)link["linkinfo"]?["info_kind"]);
        Assert.Equal("bridge", (string?)link["linkinfo"]?["info_data"]?["mode"]);
        Assert.Contains(link["addr_info"]!.AsArray(), a => (string?)a!["local"] == address.ToString() && (int?)a["prefixlen"] == 24);
        // Multicast leaves by eth1 with no gateway: a gateway nobody answers ARP for would swallow every
        // datagram of a socket that names its interface.
        Assert.Contains("224.0.0.0/4", await lab.PodRoutesAsync());
        var multicastRoute = await runner.RunAsync("ip", ["-n", lab.Pod, "-j", "route", "show", "224.0.0.0/4"], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("eth1", (string?)JsonNode.Parse(multicastRoute.StandardOutput)![0]!["dev"]);
        Assert.Null(JsonNode.Parse(multicastRoute.StandardOutput)![0]!["gateway"]);
        var lease = Path.Combine(lab.LeaseDirectory, network.Name, address.ToString());
        Assert.True(File.Exists(lease), $"host-local keeps no lease file {lease}");

        await cni.CheckAsync(CniPlugin.WithPreviousResult(config, McastLab.Pipeline.Lab.Local.PodAttachment.AsKernelHoldsIt(added)), invocation, TestContext.Current.CancellationToken);
        await cni.DeleteAsync(CniPlugin.WithPreviousResult(config, added), invocation, TestContext.Current.CancellationToken);

        Assert.Null(await lab.PodLinkAsync("eth1"));
        Assert.False(File.Exists(lease), "DEL left the lease behind");
    }

    [Fact]
    public async Task Check_notices_a_vanished_interface_and_delete_still_frees_the_lease()
    {
        var plugins = SkipUnlessPossible();
        await using var lab = await NodeAndPod.CreateAsync(runner);
        var network = GeneratedNetworkWithLeasesIn(lab.LeaseDirectory);
        var config = network.ToJson();
        var cni = new CniPlugin(runner, plugins);
        var invocation = lab.Invocation();
        var added = await cni.AddAsync(config, invocation, TestContext.Current.CancellationToken);
        var lease = Path.Combine(lab.LeaseDirectory, network.Name, AddressOf(added).ToString());

        await runner.RunAsync("ip", ["-n", lab.Pod, "link", "delete", "eth1"], cancellationToken: TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<PipelineException>(() =>
            cni.CheckAsync(CniPlugin.WithPreviousResult(config, added), invocation, TestContext.Current.CancellationToken));
        Assert.Contains("CNI CHECK with the macvlan plugin", error.Message, StringComparison.Ordinal);
        await cni.DeleteAsync(CniPlugin.WithPreviousResult(config, added), invocation, TestContext.Current.CancellationToken);
        Assert.False(File.Exists(lease), "DEL left the lease behind");
    }

    private static string SkipUnlessPossible()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "creating network namespaces needs root");
        Assert.SkipUnless(new ProgramLocator().Find("ip") is not null, "the ip program (iproute2) is not installed");
        var directory = PrerequisiteCatalog.CniDirectories.FirstOrDefault(d => File.Exists(Path.Combine(d, "macvlan")) && File.Exists(Path.Combine(d, "host-local")));
        Assert.SkipUnless(directory is not null, "the CNI plugins macvlan and host-local (containernetworking-plugins) are not installed");
        return directory!;
    }

    /// <summary>The committed attachment's configuration; only the lease directory moves to a private one.</summary>
    private static MacvlanNetwork GeneratedNetworkWithLeasesIn(string leaseDirectory)
    {
        var network = MacvlanNetwork.Parse(NetworkAttachmentFile.ReadCniConfig(NetworkAttachmentFile.PathUnder(ManifestTestParameters.RepositoryRoot)));
        return network with { Ipam = network.Ipam with { DataDir = leaseDirectory } };
    }

    private static IPAddress AddressOf(JsonNode result)
    {
        var cidr = (string?)result["ips"]?[0]?["address"] ?? throw new InvalidOperationException("ADD returned no address: " + result.ToJsonString());
        return IPNetwork.Parse(cidr[..cidr.IndexOf('/', StringComparison.Ordinal)] + "/32").BaseAddress;
    }

    /// <summary>A node namespace with eth1 (a veth end) and an empty pod namespace, both removed on dispose.</summary>
    private sealed class NodeAndPod : IAsyncDisposable
    {
        private readonly ProcessRunner runner;

        private NodeAndPod(ProcessRunner runner, string suffix)
        {
            this.runner = runner;
            Node = "mf-node-" + suffix;
            Pod = "mf-pod-" + suffix;
            LeaseDirectory = Directory.CreateTempSubdirectory("mf-leases-").FullName;
        }

        public string Node { get; }
        public string Pod { get; }
        public string LeaseDirectory { get; }

        public static async Task<NodeAndPod> CreateAsync(ProcessRunner runner)
        {
            var lab = new NodeAndPod(runner, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
            try
            {
                await lab.Ip("netns", "add", lab.Node);
                await lab.Ip("netns", "add", lab.Pod);
                await lab.Ip("-n", lab.Node, "link", "add", "eth1", "type", "veth", "peer", "name", "segment");
                await lab.Ip("-n", lab.Node, "link", "set", "eth1", "up");
                await lab.Ip("-n", lab.Node, "link", "set", "segment", "up");
                return lab;
            }
            catch
            {
                await lab.DisposeAsync();
                throw;
            }
        }

        public CniInvocation Invocation() => new("mf-" + Pod, $"/var/run/netns/{Pod}", "eth1") { HostNamespace = Node };

        /// <summary>The pod's link as `ip -d -j addr` shows it, or null when it has none of that name.</summary>
        public async Task<JsonNode?> PodLinkAsync(string name)
        {
            var result = await runner.RunAsync("ip", ["-n", Pod, "-d", "-j", "addr", "show"], new ProcessOptions { Quiet = true });
            return JsonNode.Parse(result.StandardOutput)!.AsArray().FirstOrDefault(l => (string?)l!["ifname"] == name);
        }

        public async Task<IReadOnlyList<string>> PodRoutesAsync()
        {
            var result = await runner.RunAsync("ip", ["-n", Pod, "-j", "route", "show"], new ProcessOptions { Quiet = true });
            return JsonNode.Parse(result.StandardOutput)!.AsArray().Select(r => (string?)r!["dst"] ?? "").ToList();
        }

        public async ValueTask DisposeAsync()
        {
            // Deleting the node namespace takes eth1 and its veth peer with it.
            foreach (var name in new[] { Pod, Node })
            {
                if (File.Exists($"/var/run/netns/{name}")) await runner.RunAsync("ip", ["netns", "delete", name], new ProcessOptions { AllowFailure = true, Quiet = true });
            }
            Directory.Delete(LeaseDirectory, recursive: true);
        }

        private Task<ProcessResult> Ip(params string[] arguments) => runner.RunAsync("ip", arguments, new ProcessOptions { Quiet = true });
    }
}
