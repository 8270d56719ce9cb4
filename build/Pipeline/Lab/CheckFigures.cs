using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// What a check of report.json says besides its name and verdict: where traffic went and what was counted
/// (the receiver's counts are <see cref="ReceiverFigures"/>). The lab writes it (<see cref="LabCheck"/>) into
/// report.json, the contract for other readers.
/// </summary>
public abstract record CheckFigures : ReceiverFigures
{
    protected CheckFigures()
    {
    }

    /// <summary>A check's figures that start as what its receiver counted.</summary>
    protected CheckFigures(ReceiverFigures received)
        : base(received)
    {
    }

    /// <summary>For traffic checks: outside-to-pod, pod-to-outside, pod-to-pod-same-node, pod-to-pod-cross-node or node-from-own-pod.</summary>
    public string? Direction { get; init; }

    /// <summary>Where the sender ran and how it chose its interface, such as "k8s/sender (mcast send --bind)".</summary>
    public string? Sender { get; init; }

    /// <summary>Where the receiver ran: a host, or a pod as node/name.</summary>
    public string? Receiver { get; init; }

    /// <summary>The interface the receiver joined on; "(route)" when it named none.</summary>
    public string? Interface { get; init; }

    /// <summary>Datagrams the sender says it sent.</summary>
    public long? Sent { get; init; }

    /// <summary>Address the pod's attachment got from IPAM (or the host's address outside Kubernetes).</summary>
    [JsonPropertyOrder(1)] // after the receiver's figures in report.json
    public string? PodAddress { get; init; }

    /// <summary>One sentence: what was verified, or why it failed.</summary>
    [JsonPropertyOrder(1)]
    public string? Detail { get; init; }
}
