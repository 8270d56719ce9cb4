using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Lab;

// The backend interface, in short (stable; the Lab target calls it through the extension backend.RunAsync(request) of LabRunner):
//   0. Name, Run                       → "local", "cluster", "vagrant" (report.json's backend); the run's id.
//   1. DiscoverAsync(request)          → BackendTopology: nodes, pods per node, whether an outside host (mcastsrc)
//                                        exists, and the abilities it lacks (LabAbility → one-sentence reason).
//   2. LabExperiment.Plan(settings, topology) plans every flow and check; what the topology cannot run is in
//      experiment.NotRun (report.json: status "notRun" with the reason), and never in experiment.Flows.
//   3. RunAsync(request, experiment)   → LabObservations: per pod its network-status (and CNI problems), the
//                                        hosts' segment addresses, per flow the sender's and each receiver's
//                                        raw output (by check name), leftovers after cleanup, a setup failure.
//   4. ExperimentVerdict (Lab/) judges the observations into the LabReport. A backend never judges.

/// <summary>
/// Realizes the lab's experiment (<see cref="LabExperiment"/>) somewhere (network namespaces on this machine, or
/// a cluster) and reports what it observed; <see cref="ExperimentVerdict"/> judges it. A backend removes what it
/// created before <see cref="RunAsync"/> returns or throws.
/// </summary>
public interface ILabBackend
{
    /// <summary>The backend's name in report.json: "local", "cluster" or "vagrant".</summary>
    string Name { get; }

    /// <summary>This run's id (known before it starts, so a caller can find what it made).</summary>
    LabRunId Run { get; }

    /// <summary>What this backend offers for the request: its nodes, pods per node, an outside host, and what it cannot do.</summary>
    Task<BackendTopology> DiscoverAsync(LabRequest request, CancellationToken cancellationToken);

    /// <summary>Makes the experiment's places, runs every flow of <see cref="LabExperiment.Flows"/>, observes, cleans up.</summary>
    Task<LabObservations> RunAsync(LabRequest request, LabExperiment experiment, CancellationToken cancellationToken);
}

/// <summary>What every backend needs: the lab parameters, the images under test and the generated manifests.</summary>
/// <param name="Settings">The lab section of the parameters.</param>
/// <param name="McastImage">Reference of the built mcast image (receiver in the pod, and a sender).</param>
/// <param name="IperfImage">Reference of the built iperf 2 image (the walkthrough's sender, and a receiver).</param>
/// <param name="ManifestsDirectory">The run's generated manifests (NetworkAttachmentDefinition, pods, per-node files), in its run folder.</param>
public sealed record LabRequest(LabSettings Settings, string McastImage, string IperfImage, string ManifestsDirectory);

/// <summary>What a backend may be unable to do; each one it lacks turns the checks that need it into "not run".</summary>
public enum LabAbility
{
    /// <summary>Run a receiver on the outside host (mcastsrc).</summary>
    OutsideReceiver,

    /// <summary>Run a receiver on a node itself (the node-from-own-pod check).</summary>
    NodeReceiver,

    /// <summary>Run a receiver in the sender pod (the receiver that names no interface).</summary>
    SenderPodReceiver,

    /// <summary>Run iperf 2's server as a receiver.</summary>
    IperfServerReceiver,

    /// <summary>Observe that nothing of the run is left after it.</summary>
    CleanupObservation,
}

/// <summary>
/// The places a backend offers: its nodes (in order; the first holds the sender and the control), the receiver
/// pods per node, whether an outside host (mcastsrc) is on the segment, and the abilities it lacks, each with the
/// sentence the report shows for the checks that need it.
/// </summary>
public sealed record BackendTopology(IReadOnlyList<string> Nodes, int PodsPerNode, bool OutsideHost, IReadOnlyDictionary<LabAbility, string> Lacks)
{
    /// <summary>The reason the report gives for every check of a flow from the outside host when there is none.</summary>
    public const string NoOutsideHost = "this lab has no outside host (mcastsrc) on the segment";

    /// <summary>A topology that can do everything (the local lab's).</summary>
    public static BackendTopology Complete(IReadOnlyList<string> nodes, int podsPerNode) =>
        new(nodes, podsPerNode, true, new Dictionary<LabAbility, string>());
}
