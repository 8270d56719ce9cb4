using Docker.DotNet;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Images;

/// <summary>
/// The references a lab whose nodes pull its images must use: repository@digest of what Push confirmed. A node
/// with IfNotPresent never pulls a tag it already has, and a rebuilt -dirty version keeps its tag, so a tag would
/// silently run the previous image; a digest names exactly one. The push record is used only while the engine's
/// image of the tag is still the one pushed (its id is the config digest, or the manifest digest on an engine with
/// the containerd image store).
/// </summary>
public sealed class PulledImageReferences(IDockerClient docker, PushedImages pushed, string registry)
{
    public async Task<string> ResolveAsync(string reference, CancellationToken cancellationToken = default)
    {
        var push = $"./build.sh Push --registry={registry}";
        string id;
        try
        {
            id = (await docker.Images.InspectImageAsync(reference, cancellationToken)).ID;
        }
        catch (DockerImageNotFoundException)
        {
            throw new PipelineException($"The image {reference} is not in the Docker engine; run ./build.sh Images, then {push}, then run again.");
        }
        if (!pushed.Read().TryGetValue(reference, out var record))
        {
            throw new PipelineException($"{reference} has not been pushed from here (no entry in {pushed.Path}) and the cluster's nodes pull it; run {push}, then run again.");
        }
        if (id != record.ConfigDigest && id != record.Digest)
        {
            throw new PipelineException($"{reference} was rebuilt after it was pushed (the engine's image is {Short(id)}, the pushed one {Short(record.ConfigDigest)}), so the nodes would run the old one; run {push}, then run again.");
        }
        return $"{ImageName.Parse(reference).Repository}@{record.Digest}";
    }

    private static string Short(string digest) => digest.Length > 19 ? digest[..19] + "…" : digest;
}
