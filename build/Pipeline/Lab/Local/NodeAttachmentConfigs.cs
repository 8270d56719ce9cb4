using McastLab.Pipeline.Manifests;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The attachment's CNI configuration each node uses: the NetworkAttachmentDefinition's spec.config, or, where
/// the generated manifests hold a node file (nodes/NODE/NAME.conf, the multi-node answer: a range per node),
/// that file, as Multus reads it from the node's /etc/cni/multus/net.d for a NAD without config.
/// </summary>
public static class NodeAttachmentConfigs
{
    public static IReadOnlyDictionary<string, string> Read(string manifestsDirectory, string networkName, IReadOnlyList<string> nodes)
    {
        var configs = new Dictionary<string, string>();
        string? shared = null;
        foreach (var node in nodes)
        {
            var file = Path.Combine(manifestsDirectory, NodeNetworkFiles.Directory, node, NodeNetworkFiles.FileName(networkName));
            configs[node] = File.Exists(file)
                ? File.ReadAllText(file)
                : shared ??= NetworkAttachmentFile.ReadCniConfig(Path.Combine(manifestsDirectory, NetworkAttachmentFile.FileName));
        }
        return configs;
    }
}
