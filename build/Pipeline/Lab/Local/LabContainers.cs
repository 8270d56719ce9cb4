using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The lab's containers, through the Docker engine API: today only the short-lived ones that export an image's
/// file system (<see cref="ImageFilesystems"/>), and those an older version of the lab left (its hosts and pods'
/// sandboxes were containers). Every one carries the run label, so a run removes its own, and a later run what a
/// killed run left, by label filters (even a container whose creation was interrupted), without parsing CLI output.
/// </summary>
public static class LabContainers
{
    /// <summary>Every container of a run (running or not), found by its label.</summary>
    public static async Task<IReadOnlyList<ContainerListResponse>> ListAsync(DockerClient docker, LabRunId? run, CancellationToken cancellationToken)
    {
        var filter = run is null ? ContainerLabels.Run : $"{ContainerLabels.Run}={run.Value}";
        var list = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [filter] = true } },
        }, cancellationToken);
        return [.. list];
    }

    /// <summary>
    /// Force-removes containers, in parallel: the ones that share a namespace first, their namespace owners
    /// (network mode none) after them. One by one, 150 containers of a 4 × 16 lab took most of its cleanup.
    /// </summary>
    public static async Task RemoveAsync(DockerClient docker, IEnumerable<ContainerListResponse> containers, CancellationToken cancellationToken, LabTimings? timings = null)
    {
        timings ??= new LabTimings();
        foreach (var tier in containers.GroupBy(c => IsNamespaceOwner(c) ? 1 : 0).OrderBy(g => g.Key))
        {
            await Parallel.ForEachAsync(tier, new ParallelOptions { MaxDegreeOfParallelism = RemovalParallelism, CancellationToken = cancellationToken }, async (container, token) =>
            {
                try
                {
                    await timings.TimeAsync("docker rm", () => docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, token));
                }
                catch (DockerContainerNotFoundException)
                {
                    // Gone already.
                }
            });
        }
    }

    /// <summary>A host's or a pod's sandbox (by role; an older run's by its network mode none), whose namespace others share.</summary>
    private static bool IsNamespaceOwner(ContainerListResponse container) =>
        container.Labels?.TryGetValue(ContainerLabels.Role, out var role) == true ? role is "host" or "pod" : container.HostConfig?.NetworkMode == "none";

    /// <summary>How many removals run at once: dockerd does a removal mostly waiting on the kernel (unmounts, cgroups).</summary>
    private const int RemovalParallelism = 16;
}
