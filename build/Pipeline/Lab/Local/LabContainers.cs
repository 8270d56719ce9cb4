using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The lab's containers, through the Docker engine API: typed inspect (the pid behind a container's network
/// namespace), label filters (every container of a run, even one whose creation was interrupted) and
/// cancellation, without parsing CLI output. Every container carries the run label and is removed by it.
/// The lab's containers only hold namespaces (hosts, pods' sandboxes); its programs are processes (<see cref="LabPrograms"/>).
/// </summary>
public sealed class LabContainers(DockerClient docker, LabRunId run, LabTimings? timings = null)
{
    private readonly LabTimings timings = timings ?? new LabTimings();

    /// <summary>
    /// A container whose only job is to hold a network namespace (a host, or a pod's sandbox as the pause
    /// container does): `unshare --net sleep infinity`, so the namespace is new and empty (its loopback down,
    /// as a CRI runtime hands it to the CNI plugins). The container itself is in host network mode: Docker's
    /// own empty namespace (network mode none) costs a re-exec of dockerd per container, about 2.5 times the
    /// CPU of the whole start (measured here: 0.47 against 0.17 CPU seconds), and a 4 × 16 lab starts 71 of them.
    /// The lab's programs enter /proc/PID/ns/net of this process (<see cref="LabPrograms"/>), so they land in the new one.
    /// </summary>
    public async Task<LabContainer> StartSandboxAsync(string part, string role, string image, CancellationToken cancellationToken)
    {
        var container = await CreateAsync(part, role, image, ["unshare", "--net", "--", "sleep", "infinity"], cancellationToken);
        await StartAsync(container, cancellationToken);
        var inspected = await timings.TimeAsync("docker inspect", () => docker.Containers.InspectContainerAsync(container.Id, cancellationToken));
        var pid = inspected.State?.Pid ?? 0;
        if (pid <= 0 || inspected.State?.Running != true)
        {
            throw new PipelineException($"The lab container {container.Name} stopped right after it started ({inspected.State?.Error}); it needs an image with the 'unshare' and 'sleep' programs, such as the iperf image.");
        }
        await UntilUnsharedAsync(container, (int)pid, cancellationToken);
        return container with { Pid = (int)pid };
    }

    /// <summary>
    /// Waits until the sandbox's process runs sleep: unshare makes the namespace, then execs sleep. Before
    /// that the process is still in the host's namespace, and a name (ip netns attach) or a CNI call made
    /// for it would land there; seen here under load, when the first host's eth1 went to the host.
    /// </summary>
    private static async Task UntilUnsharedAsync(LabContainer container, int pid, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string? program;
        while ((program = ProgramOf(pid)) != "sleep")
        {
            if (program is null || watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new PipelineException($"The lab container {container.Name} did not reach 'sleep' in a network namespace of its own ({(program is null ? "its process ended" : $"still '{program}' after 30 s")}); see 'docker logs {container.Name}'.");
            }
            await Task.Delay(5, cancellationToken);
        }
    }

    private static string? ProgramOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Removes one container of the run (a pod's sandbox after its CNI DEL).</summary>
    public async Task RemoveAsync(LabContainer container, CancellationToken cancellationToken)
    {
        try
        {
            await timings.TimeAsync("docker rm", () => docker.Containers.RemoveContainerAsync(container.Id, new ContainerRemoveParameters { Force = true }, cancellationToken));
        }
        catch (DockerContainerNotFoundException)
        {
            // Gone already.
        }
    }

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

    private async Task<LabContainer> CreateAsync(string part, string role, string image, IList<string> entrypoint, CancellationToken cancellationToken)
    {
        var name = run.Name(part);
        try
        {
            var parameters = new CreateContainerParameters
            {
                Name = name,
                Image = image,
                Labels = new Dictionary<string, string> { [ContainerLabels.Run] = run.Value, [ContainerLabels.Role] = role },
                // unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN, as root (the images run as nobody).
                User = "0",
                Entrypoint = entrypoint,
                // No init: the sandbox is only killed, and its PID 1 must be the process in the new namespace.
                HostConfig = new HostConfig { NetworkMode = "host", CapAdd = ["SYS_ADMIN"] },
            };
            var created = await timings.TimeAsync("docker create", () => docker.Containers.CreateContainerAsync(parameters, cancellationToken));
            return new LabContainer(created.ID, name, 0);
        }
        catch (DockerImageNotFoundException)
        {
            throw new PipelineException($"The image {image} is not in the Docker engine; build it with './build.sh Images' (Lab depends on it), then run again.");
        }
    }

    private async Task StartAsync(LabContainer container, CancellationToken cancellationToken) =>
        await timings.TimeAsync("docker start", () => docker.Containers.StartContainerAsync(container.Id, new ContainerStartParameters(), cancellationToken));
}

/// <summary>A container of the lab: id, name and (for namespace holders) the pid whose /proc/PID/ns/net is its namespace.</summary>
public sealed record LabContainer(string Id, string Name, int Pid)
{
    public string NetworkNamespacePath => $"/proc/{Pid}/ns/net";
}
