using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The walkthrough's hosts as network namespaces: node "k8s" (and with --nodes=M, "k8s-2".."k8s-M") and
/// "mcastsrc". Each host's namespace belongs to a sandbox (<see cref="LabSandboxes"/>) and carries a name (ip netns attach),
/// so the CNI plugins and ip can enter it by name and the built images can run in it like `docker run
/// --network host` on a real host. One node: a veth pair named eth1 on both sides; several: every host's eth1
/// is a veth into a bridge (the L2 switch) in a switch namespace of its own.
/// </summary>
public sealed class LabTopology(NetworkNamespaces namespaces, LabSandboxes sandboxes, LabRunId run, LabSettings settings)
{
    private readonly Dictionary<string, LabSandbox> hosts = [];

    public const string SourceHost = LabSettings.SourceHost;

    /// <summary>Node names in order: k8s, k8s-2, ...</summary>
    public IReadOnlyList<string> Nodes { get; } = settings.NodeNames;

    public LabSandbox Host(string name) => hosts[name];

    /// <summary>The named namespace of a host.</summary>
    public string Namespace(string host) => run.Name(host);

    /// <summary>Whether the segment is a bridge in a switch namespace: several nodes, or a switch that snoops (--segment).</summary>
    public bool HasSwitch => Nodes.Count > 1 || settings.Segment != LabSegment.Flood;

    public string SwitchNamespace => run.Name("switch");

    public string Bridge => run.Name("br");

    /// <summary>The switch port of each host, in the order they are plugged in: the nodes, then mcastsrc.</summary>
    public IReadOnlyDictionary<string, string> Ports => Nodes.Append(SourceHost).Select((h, i) => (h, run.Name($"p{i + 1}"))).ToDictionary(p => p.h, p => p.Item2);

    public async Task BuildAsync(CancellationToken cancellationToken)
    {
        var started = new System.Collections.Concurrent.ConcurrentDictionary<string, LabSandbox>();
        await Parallel.ForEachAsync(Nodes.Append(SourceHost), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (host, token) =>
        {
            var sandbox = await sandboxes.StartAsync(host, token);
            started[host] = sandbox;
            await namespaces.AttachAsync(Namespace(host), sandbox.Pid, token);
        });
        foreach (var (host, sandbox) in started) hosts[host] = sandbox;

        // Each node's pod bridge (cni0, the cluster network), made before the bridge plugin would make it, with
        // a fixed MAC: the kernel otherwise gives a bridge the lowest MAC of its ports, which changes while
        // pods are added at the same time and fails the CHECK of pods added before (the plugin compares it).
        // Each host's links are its own: made for all hosts at once (ip runs one after another cost a lot on a busy machine).
        await Task.WhenAll(Nodes.Select((node, i) => namespaces.AddBridgeAsync(Namespace(node), PrimaryNetwork.BridgeName, cancellationToken, PrimaryNetwork.BridgeMac(i))));

        var segment = settings.Interface;
        if (!HasSwitch)
        {
            await namespaces.AddVethAsync(Namespace(Nodes[0]), segment, Namespace(SourceHost), segment, cancellationToken);
        }
        else
        {
            var switchNamespace = SwitchNamespace;
            var bridge = Bridge;
            await namespaces.AddAsync(switchNamespace, cancellationToken);
            await namespaces.AddBridgeAsync(switchNamespace, bridge, cancellationToken);
            await Task.WhenAll(Nodes.Append(SourceHost).Select(async (host, i) =>
            {
                var portName = run.Name($"p{i + 1}");
                await namespaces.AddVethAsync(Namespace(host), segment, switchNamespace, portName, cancellationToken);
                await namespaces.SetMasterAsync(switchNamespace, portName, bridge, cancellationToken);
            }));
        }

        var prefix = settings.Subnet.PrefixLength;
        await Task.WhenAll(
            namespaces.AddAddressAsync(Namespace(Nodes[0]), segment, $"{settings.K8sAddress}/{prefix}", cancellationToken),
            namespaces.AddAddressAsync(Namespace(SourceHost), segment, $"{settings.McastsrcAddress}/{prefix}", cancellationToken));
    }

    /// <summary>Every namespace name this run may have created (for removal).</summary>
    public static IEnumerable<string> NamespacesOf(LabRunId run) =>
        NetworkNamespaces.List().Where(name => LabRunId.FromName(name) == run);
}
