using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// Runs the multicast experiment somewhere (network namespaces on this machine, or the two-VM cluster) and
/// returns one check per assertion. A backend removes what it created before it returns or throws.
/// </summary>
public interface ILabBackend
{
    Task<LabReport> RunAsync(LabRequest request, CancellationToken cancellationToken);
}

/// <summary>What every backend needs: the lab parameters, the images under test and the generated manifests.</summary>
/// <param name="Settings">The lab section of the parameters.</param>
/// <param name="McastImage">Reference of the built mcast image (receiver in the pod, and a sender).</param>
/// <param name="IperfImage">Reference of the built iperf 2 image (the walkthrough's sender, and a receiver).</param>
/// <param name="ManifestsDirectory">Where the Manifests target wrote the NetworkAttachmentDefinition and pods.</param>
public sealed record LabRequest(LabSettings Settings, string McastImage, string IperfImage, string ManifestsDirectory);
