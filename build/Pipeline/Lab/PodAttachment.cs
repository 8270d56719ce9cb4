using System.Text.Json.Nodes;
using McastLab.Pipeline.Cni;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// A pod's secondary interface made the way Multus makes it on a node: the NetworkAttachmentDefinition's CNI
/// configuration handed to the real plugins, run in the node's network namespace, for the pod sandbox's
/// namespace (ADD, then CHECK against the ADD result; DEL at the end releases the IPAM lease).
/// </summary>
public sealed class PodAttachment(CniPlugin cni, string config, string nodeNamespace, string podName, LabContainer sandbox, string interfaceName)
{
    private JsonNode? added;

    public string PodName => podName;

    public string NodeNamespace => nodeNamespace;

    /// <summary>The address IPAM gave the pod (without prefix length), once added.</summary>
    public string? Address { get; private set; }

    /// <summary>Why CHECK failed after a successful ADD; null when it passed.</summary>
    public string? CheckFailure { get; private set; }

    /// <summary>The NAD's configuration for one run: IPAM state in the run's private directory, nothing else changed.</summary>
    public static string ForRun(string nadConfig, string ipamDirectory)
    {
        var node = JsonNode.Parse(nadConfig) as JsonObject
            ?? throw new PipelineException("The NetworkAttachmentDefinition's CNI configuration is not a JSON object; run ./build.sh Manifests to regenerate it.");
        if (node["plugins"] is not null)
        {
            throw new PipelineException("The NetworkAttachmentDefinition holds a plugin list; the local lab takes a single plugin configuration (macvlan with IPAM), as the Manifests target generates.");
        }
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
        added = await cni.AddAsync(config, Invocation(), cancellationToken);
        var cidr = (string?)added["ips"]?[0]?["address"]
            ?? throw new PipelineException($"CNI ADD for {podName} returned no address; check the IPAM section of the NetworkAttachmentDefinition.");
        Address = cidr.Split('/')[0];
        try
        {
            await cni.CheckAsync(CniPlugin.WithPreviousResult(config, added), Invocation(), cancellationToken);
        }
        catch (PipelineException e)
        {
            // The interface exists and the experiment can go on; the lab reports CHECK as its own check.
            CheckFailure = e.Message;
        }
    }

    /// <summary>DEL with the ADD result; a no-op when ADD never ran.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        if (added is null) return;
        await cni.DeleteAsync(CniPlugin.WithPreviousResult(config, added), Invocation(), cancellationToken);
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
