using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Workflows;

/// <summary>
/// The kind-lab workflow's node scripts (.ci/kind/) on real containers of this machine's engine, standing in for
/// kind's node containers (which are containers of the runner's engine too), and its registry config on the real
/// docker-registry. Root and the engine are needed; the containers and interfaces are removed at the end.
/// </summary>
public sealed class KindNodeScriptTests : IAsyncLifetime
{
    private const string NodeImage = "debian:bookworm-slim"; // the pipeline's base image, present wherever Images ran
    private static readonly string Scripts = Path.Combine(RepositoryRoot.Path, ".ci", "kind");
    private readonly ProcessRunner runner = new(new CapturingLog(), new SecretMasker());
    private readonly List<string> containers = [];
    private readonly string prefix = "mcastlab-kind-" + Guid.NewGuid().ToString("N")[..6];
    private string? unavailable;

    public async ValueTask InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess) { unavailable = "the kind node script tests need root (veth pairs, nsenter)"; return; }
        if (runner.Locator.Find("docker") is null) { unavailable = "docker is not installed"; return; }
        var image = await runner.RunAsync("docker", ["image", "inspect", NodeImage], new ProcessOptions { AllowFailure = true, Quiet = true });
        if (image.ExitCode != 0) unavailable = $"the image {NodeImage} is not in the engine (./build.sh BaseImage makes it)";
    }

    private async Task<string> NodeAsync(string name, string network)
    {
        var container = $"{prefix}-{name}";
        containers.Add(container);
        await runner.RunAsync("docker", ["run", "-d", "--name", container, "--network", network, NodeImage, "sleep", "600"], new ProcessOptions { Quiet = true });
        return container;
    }

    private async Task<string> OutputAsync(string program, params string[] arguments) =>
        (await runner.RunAsync(program, arguments, new ProcessOptions { Quiet = true })).StandardOutput.Trim();

    [Fact]
    public async Task Second_interface_joins_two_nodes_by_one_veth_pair_named_eth1_in_both()
    {
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        var first = await NodeAsync("control-plane", "none");
        var second = await NodeAsync("worker", "none");

        await runner.RunAsync("sh", [Path.Combine(Scripts, "second-interface.sh"), first, second], cancellationToken: TestContext.Current.CancellationToken);

        var pid1 = await OutputAsync("docker", "inspect", "-f", "{{.State.Pid}}", first);
        var pid2 = await OutputAsync("docker", "inspect", "-f", "{{.State.Pid}}", second);
        // "2: eth1@if3: <...,UP,LOWER_UP> ... link/ether ..." in each: each end names the other's index.
        var link1 = await OutputAsync("nsenter", "-t", pid1, "-n", "ip", "-o", "link", "show", "eth1");
        var link2 = await OutputAsync("nsenter", "-t", pid2, "-n", "ip", "-o", "link", "show", "eth1");
        var (index1, peer1) = Ends(link1);
        var (index2, peer2) = Ends(link2);
        Assert.Equal(index2, peer1);
        Assert.Equal(index1, peer2);
        Assert.Contains("LOWER_UP", link1, StringComparison.Ordinal);
        Assert.Contains("LOWER_UP", link2, StringComparison.Ordinal);
        Assert.Contains("veth", await OutputAsync("nsenter", "-t", pid1, "-n", "ip", "-d", "-o", "link", "show", "eth1"), StringComparison.Ordinal);
    }

    private static (string Index, string Peer) Ends(string link)
    {
        var fields = link.Split(':', 3);
        return (fields[0].Trim(), fields[1].Trim().Split("@if")[1]);
    }

    [Fact]
    public async Task Node_plugins_puts_macvlan_and_host_local_into_each_node_executable()
    {
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        var node = await NodeAsync("plugins", "none");
        await runner.RunAsync("docker", ["exec", node, "mkdir", "-p", "/opt/cni/bin"], cancellationToken: TestContext.Current.CancellationToken); // kind's node image has it

        await runner.RunAsync("sh", [Path.Combine(Scripts, "node-plugins.sh"), node], cancellationToken: TestContext.Current.CancellationToken);

        foreach (var plugin in new[] { "macvlan", "host-local" })
        {
            var version = await runner.RunAsync("docker", ["exec", "-e", "CNI_COMMAND=VERSION", node, $"/opt/cni/bin/{plugin}"], new ProcessOptions { Quiet = true, StandardInput = "{}" }, TestContext.Current.CancellationToken);
            Assert.Contains("supportedVersions", version.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Registry_mirror_points_each_node_at_the_hosts_address_on_its_network()
    {
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        var node = await NodeAsync("mirror", "bridge");
        var gateway = await OutputAsync("docker", "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", "bridge");

        await runner.RunAsync("sh", [Path.Combine(Scripts, "registry-mirror.sh"), "5001", node], cancellationToken: TestContext.Current.CancellationToken);

        var hosts = await OutputAsync("docker", "exec", node, "cat", "/etc/containerd/certs.d/127.0.0.1:5001/hosts.toml");
        Assert.Equal($"server = \"http://127.0.0.1:5001\"\n\n[host.\"http://{gateway}:5001\"]\n  capabilities = [\"pull\", \"resolve\"]", hosts);
    }

    [Fact]
    public async Task The_registry_config_serves_on_loopback_and_on_the_nodes_side_address()
    {
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
        Assert.SkipWhen(runner.Locator.Find("docker-registry") is null, "docker-registry is not installed");
        // The workflow's file with only its port and storage moved (a free port, a scratch folder).
        var port = Images.ImageFixture.FreeLoopbackPort();
        var scratch = Directory.CreateTempSubdirectory("mcastlab-kind-registry-").FullName;
        var text = File.ReadAllText(Path.Combine(Scripts, "registry.yml"));
        Assert.Contains("addr: :5001", text, StringComparison.Ordinal);
        var lan = new Images.LanAddress(runner, "mclkr", "10.213.6");
        var address = lan.Address;
        var registry = new Images.RegistryProcess(runner, scratch, $"127.0.0.1:{port}");
        try
        {
            await lan.AddAsync(TestContext.Current.CancellationToken);
            await registry.StartAsync(text.Replace("addr: :5001", $"addr: :{port}", StringComparison.Ordinal)
                .Replace("/tmp/mcastlab-kind-registry", Path.Combine(scratch, "storage"), StringComparison.Ordinal), TestContext.Current.CancellationToken);
            using var loopback = new RegistryApi($"127.0.0.1:{port}");
            using var side = new RegistryApi($"{address}:{port}", engine: new EngineRegistryConfig([System.Net.IPNetwork.Parse(address + "/32")], new Dictionary<string, bool>()));
            Assert.True(await loopback.AnswersAsync(TestContext.Current.CancellationToken), "docker-registry did not answer on loopback");
            Assert.True(await side.AnswersAsync(TestContext.Current.CancellationToken), $"docker-registry did not answer on {address}");
        }
        finally
        {
            await registry.StopAsync();
            await lan.RemoveAsync();
            Directory.Delete(scratch, recursive: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in containers)
        {
            await runner.RunAsync("docker", ["rm", "-f", container], new ProcessOptions { Quiet = true, AllowFailure = true });
        }
    }
}
