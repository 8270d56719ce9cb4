using System.Text.Json.Nodes;
using McastLab.Pipeline.Cni;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// One interface of a pod made the way Multus makes it on a node: a CNI configuration (the cluster network's
/// for eth0, the NetworkAttachmentDefinition's for eth1) handed to the real plugins, run in the node's network
/// namespace, for the pod sandbox's namespace (ADD; CHECK against the ADD result once every pod is up; DEL at
/// the end releases the IPAM lease).
/// </summary>
/// <param name="networkName">The name Multus gives the network in network-status: "cbr0", or "namespace/name" of a NAD.</param>
/// <param name="isDefault">Whether this is the cluster network (the pod's default route).</param>
public sealed class PodAttachment(CniPlugin cni, string config, string nodeNamespace, string podName, LabSandbox sandbox, string interfaceName,
    string networkName, bool isDefault, LabTimings? timings = null)
{
    private readonly LabTimings timings = timings ?? new LabTimings();
    private readonly string plugin = RequiredPlugins(config) is [var type, ..] ? type : "cni";

    private JsonNode? added;

    /// <summary>The ADD result, kept after DEL for the report's network status.</summary>
    private JsonNode? result;

    public string PodName => podName;

    public string NodeNamespace => nodeNamespace;

    public string InterfaceName => interfaceName;

    /// <summary>The address IPAM gave the pod (without prefix length), once added.</summary>
    public string? Address { get; private set; }

    /// <summary>Why CHECK failed after a successful ADD; null when it passed (or has not run: <see cref="Checked"/>).</summary>
    public string? CheckFailure { get; private set; }

    /// <summary>Whether CHECK ran (passed or failed).</summary>
    public bool Checked { get; private set; }

    /// <summary>The NAD's configuration for one run: IPAM state in the run's private directory, nothing else changed.</summary>
    public static string ForRun(string nadConfig, string ipamDirectory)
    {
        var node = JsonNode.Parse(nadConfig) as JsonObject
            ?? throw new PipelineException("The NetworkAttachmentDefinition's CNI configuration is not a JSON object; run ./build.sh Manifests to regenerate it.");
        if (node["plugins"] is not null)
        {
            throw new PipelineException("The NetworkAttachmentDefinition holds a plugin list; the local lab takes a single plugin configuration (macvlan with IPAM), as the Manifests target generates.");
        }
        // host-local keeps its leases per node, as kubelet's nodes do: one directory per node of the run.
        if (node["ipam"] is JsonObject ipam) ipam["dataDir"] = ipamDirectory;
        return node.ToJsonString();
    }

    /// <summary>The plugin binaries a configuration needs: its type and its IPAM's type.</summary>
    public static IReadOnlyList<string> RequiredPlugins(string config)
    {
        var node = JsonNode.Parse(config);
        return [.. new[] { (string?)node?["type"], (string?)node?["ipam"]?["type"] }.OfType<string>()];
    }

    public async Task AddAsync(CancellationToken cancellationToken)
    {
        added = result = await timings.TimeAsync($"cni ADD {plugin}", () => cni.AddAsync(config, Invocation(), cancellationToken));
        var cidr = (string?)added["ips"]?[0]?["address"]
            ?? throw new PipelineException($"CNI ADD for {podName} returned no address; check the IPAM section of the NetworkAttachmentDefinition.");
        Address = cidr.Split('/')[0];
    }

    /// <summary>CHECK against the ADD result (a no-op when ADD never ran); a failure is kept in <see cref="CheckFailure"/>.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (added is null) return;
        try
        {
            await timings.TimeAsync($"cni CHECK {plugin}", () => cni.CheckAsync(CniPlugin.WithPreviousResult(config, AsKernelHoldsIt(added)), Invocation(), cancellationToken));
        }
        catch (PipelineException e)
        {
            // The interface exists and the experiment can go on; the lab reports CHECK as its own check.
            CheckFailure = e.Message;
        }
        Checked = true;
    }

    /// <summary>The network-status entry Multus would write from the ADD result; null before ADD.</summary>
    public NetworkStatusEntry? Status()
    {
        if (result is null) return null;
        var ips = result["ips"]?.AsArray().Select(ip => ((string?)ip?["address"])?.Split('/')[0]).OfType<string>().ToList() ?? [];
        var gateways = result["ips"]?.AsArray().Select(ip => (string?)ip?["gateway"]).OfType<string>().ToList() ?? [];
        var mac = result["interfaces"]?.AsArray().FirstOrDefault(i => (string?)i?["name"] == interfaceName && i?["sandbox"] is not null)?["mac"];
        return new NetworkStatusEntry
        {
            Name = networkName,
            Interface = interfaceName,
            Ips = ips,
            Mac = (string?)mac,
            Default = isDefault,
            Gateway = isDefault && gateways.Count > 0 ? gateways : null,
        };
    }

    /// <summary>
    /// The ADD result with each route as the kernel holds it: a route whose "gw" is 0.0.0.0 (the NAD's
    /// multicast route: no gateway) has none, and the plugins' CHECK compares gateways literally.
    /// </summary>
    public static JsonNode AsKernelHoldsIt(JsonNode result)
    {
        var copy = result.DeepClone();
        foreach (var route in copy["routes"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if ((string?)route["gw"] == Manifests.LabManifests.NoGateway) route.Remove("gw");
        }
        return copy;
    }

    /// <summary>DEL with the ADD result; a no-op when ADD never ran.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        if (added is null) return;
        await timings.TimeAsync($"cni DEL {plugin}", () => cni.DeleteAsync(CniPlugin.WithPreviousResult(config, added), Invocation(), cancellationToken));
        added = null;
    }

    private CniInvocation Invocation() => new(sandbox.Id, sandbox.NetworkNamespacePath, interfaceName)
    {
        HostNamespace = nodeNamespace,
        // What Multus passes, so IPAM plugins that care (and logs) see which pod it is.
        ExtraEnvironment = new Dictionary<string, string>
        {
            ["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={podName};K8S_POD_INFRA_CONTAINER_ID={sandbox.Id}",
        },
    };
}
