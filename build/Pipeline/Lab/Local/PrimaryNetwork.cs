using System.Globalization;
using System.Text.Json.Nodes;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The pods' cluster network, in flannel's role: Debian's `bridge` plugin with `host-local` IPAM, a pod
/// subnet per node (10.244.N.0/24, as flannel hands out), the node's bridge cni0 as the pods' gateway and
/// their default route. Multus makes this eth0 first, then the attachments.
/// </summary>
public static class PrimaryNetwork
{
    /// <summary>flannel's network name, which Multus writes into network-status for eth0.</summary>
    public const string Name = "cbr0";

    public const string InterfaceName = "eth0";

    public const string BridgeName = "cni0";

    /// <summary>Node <paramref name="index"/> (0-based) gets 10.244.index.0/24.</summary>
    public static string Subnet(int index) => string.Create(CultureInfo.InvariantCulture, $"10.244.{index}.0/24");

    /// <summary>A fixed, locally administered MAC for node <paramref name="index"/>'s bridge.</summary>
    public static string BridgeMac(int index) => string.Create(CultureInfo.InvariantCulture, $"02:00:0a:f4:{index:x2}:01");

    /// <summary>The bridge's address: the pods' gateway on the node.</summary>
    public static string Gateway(int index) => string.Create(CultureInfo.InvariantCulture, $"10.244.{index}.1");

    /// <summary>The CNI configuration for node <paramref name="index"/>, leases in that node's IPAM directory.</summary>
    public static string Config(int index, string ipamDirectory) => new JsonObject
    {
        ["cniVersion"] = Manifests.MacvlanNetwork.CurrentCniVersion,
        ["name"] = Name,
        ["type"] = "bridge",
        ["bridge"] = BridgeName,
        ["isGateway"] = true,
        ["isDefaultGateway"] = true,
        // No masquerading: the lab has no uplink, and iptables on the host is not ours to change.
        ["ipMasq"] = false,
        ["hairpinMode"] = false,
        ["ipam"] = new JsonObject
        {
            ["type"] = "host-local",
            ["dataDir"] = ipamDirectory,
            ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = Subnet(index) })),
        },
    }.ToJsonString();
}
