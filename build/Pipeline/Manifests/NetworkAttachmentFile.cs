using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Manifests;

/// <summary>
/// The generated NetworkAttachmentDefinition as written on disk. The lab reads its CNI configuration from
/// here, so what it proves is what a cluster would be given.
/// </summary>
public static class NetworkAttachmentFile
{
    public const string FileName = "network-attachment.yaml";

    /// <summary>manifests/network-attachment.yaml under the repository root.</summary>
    public static string PathUnder(string repositoryRoot) => Path.Combine(repositoryRoot, LabManifests.ManifestsDirectory, FileName);

    public static NetworkAttachmentDefinition Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new PipelineException($"The NetworkAttachmentDefinition {path} does not exist; generate it with ./build.sh Manifests.");
        }
        IReadOnlyList<object> documents;
        try
        {
            documents = ManifestYaml.Load(File.ReadAllText(path));
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException)
        {
            throw new PipelineException($"{path} is not a valid Kubernetes YAML file ({e.Message}); regenerate it with ./build.sh Manifests.");
        }
        return documents.OfType<NetworkAttachmentDefinition>().SingleOrDefault()
            ?? throw new PipelineException($"{path} holds no single NetworkAttachmentDefinition; regenerate it with ./build.sh Manifests.");
    }

    /// <summary>The CNI configuration JSON (spec.config) exactly as the file holds it, checked to be a macvlan network.</summary>
    public static string ReadCniConfig(string path)
    {
        var config = Read(path).Spec.Config;
        MacvlanNetwork.Parse(config);
        return config;
    }
}
