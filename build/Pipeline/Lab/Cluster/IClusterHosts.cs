namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>What the cluster backend does on the lab's VMs rather than through the Kubernetes API (Lab/Vagrant implements it).</summary>
public interface IClusterHosts
{
    /// <summary>Puts the images under test on every node and on mcastsrc (no registry is reachable from the VMs).</summary>
    Task LoadImagesAsync(IReadOnlyList<string> images, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a sender on mcastsrc on the host network: <paramref name="program"/> of <paramref name="image"/> with the
    /// experiment's arguments (<see cref="LabExperiment.SenderArguments"/>); returns its exit code and output.
    /// </summary>
    Task<ContainerOutcome> SendAsync(string image, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a receiver on mcastsrc's host network as the container <paramref name="name"/> (the experiment's
    /// <see cref="LabExperiment.ReceiverArguments"/>); the task ends with its output when it exits: by itself on
    /// the end-of-test datagram, or when <see cref="StopReceiverAsync"/> stops it.
    /// </summary>
    Task<ContainerOutcome> ReceiveAsync(string name, string image, string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    /// <summary>Stops a receiver <see cref="ReceiveAsync"/> started (SIGTERM: `mcast recv` reports and exits), and removes its container.</summary>
    Task StopReceiverAsync(string name, CancellationToken cancellationToken);
}
