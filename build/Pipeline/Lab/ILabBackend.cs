using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// Realizes the lab's experiment (<see cref="LabExperiment"/>) somewhere (network namespaces on this machine, or
/// a cluster) and returns the checks <see cref="FlowVerdict"/> made of the programs' outputs. A backend removes
/// what it created before it returns or throws.
/// </summary>
public interface ILabBackend
{
    Task<LabReport> RunAsync(LabRequest request, CancellationToken cancellationToken);
}

/// <summary>What every backend needs: the lab parameters, the images under test and the generated manifests.</summary>
/// <param name="Settings">The lab section of the parameters.</param>
/// <param name="McastImage">Reference of the built mcast image (receiver in the pod, and a sender).</param>
/// <param name="IperfImage">Reference of the built iperf 2 image (the walkthrough's sender, and a receiver).</param>
/// <param name="ManifestsDirectory">The run's generated manifests (NetworkAttachmentDefinition, pods, per-node files), in its run folder.</param>
public sealed record LabRequest(LabSettings Settings, string McastImage, string IperfImage, string ManifestsDirectory);
