using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The lab's containers, through the Docker engine API: typed inspect (the pid behind a container's network
/// namespace), label filters (every container of a run, even one whose creation was interrupted) and
/// cancellation, without parsing CLI output. Every container carries the run label and is removed by it.
/// </summary>
public sealed class LabContainers(DockerClient docker, LabRunId run, LabTimings? timings = null)
{
    private readonly LabTimings timings = timings ?? new LabTimings();

    /// <summary>A container whose only job is to hold a network namespace (a host, or a pod's sandbox as the pause container does).</summary>
    public async Task<LabContainer> StartSandboxAsync(string part, string role, string image, CancellationToken cancellationToken)
    {
        var container = await CreateAsync(part, role, image, ["sleep", "infinity"], null, "none", cancellationToken);
        await StartAsync(container, cancellationToken);
        var inspected = await timings.TimeAsync("docker inspect", () => docker.Containers.InspectContainerAsync(container.Id, cancellationToken));
        var pid = inspected.State?.Pid ?? 0;
        if (pid <= 0 || inspected.State?.Running != true)
        {
            throw new PipelineException($"The lab container {container.Name} stopped right after it started ({inspected.State?.Error}); it needs an image with a 'sleep' program, such as the iperf image.");
        }
        return container with { Pid = (int)pid };
    }

    /// <summary>A container of the image's own entrypoint with the given arguments, in the network namespace of another container.</summary>
    public async Task<LabContainer> StartInAsync(LabContainer networkOwner, string part, string role, string image, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var container = await CreateInAsync(networkOwner, part, role, image, arguments, cancellationToken);
        await StartAsync(container, cancellationToken);
        return container;
    }

    /// <summary>Creates a program's container in another's namespace without starting it (see <see cref="StartAsync"/>).</summary>
    public Task<LabContainer> CreateInAsync(LabContainer networkOwner, string part, string role, string image, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        CreateAsync(part, role, image, null, arguments, "container:" + networkOwner.Id, cancellationToken);

    /// <summary>Waits for the container to exit and returns its exit code and output.</summary>
    public async Task<ContainerOutcome> WaitAsync(LabContainer container, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        long exitCode;
        try
        {
            exitCode = (await timings.TimeAsync("docker wait", () => docker.Containers.WaitContainerAsync(container.Id, timeout.Token))).StatusCode;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PipelineException($"The lab container {container.Name} did not finish within {limit.TotalSeconds:0} s; see the log above.");
        }
        var (stdout, stderr) = await OutputAsync(container, cancellationToken);
        return new ContainerOutcome((int)exitCode, stdout, stderr);
    }

    /// <summary>Sends a signal (SIGINT asks a receiver to print its final report and exit).</summary>
    public async Task SignalAsync(LabContainer container, string signal, CancellationToken cancellationToken)
    {
        try
        {
            await timings.TimeAsync("docker kill", () => docker.Containers.KillContainerAsync(container.Id, new ContainerKillParameters { Signal = signal }, cancellationToken));
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Already exited: nothing to signal.
        }
    }

    private async Task<(string Stdout, string Stderr)> OutputAsync(LabContainer container, CancellationToken cancellationToken)
    {
        return await timings.TimeAsync("docker logs", async () =>
        {
            using var stream = await docker.Containers.GetContainerLogsAsync(
                container.Id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, cancellationToken);
            return await stream.ReadOutputToEndAsync(cancellationToken);
        });
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

    /// <summary>Force-removes containers: the ones that share a namespace first, their namespace owners last.</summary>
    public static async Task RemoveAsync(DockerClient docker, IEnumerable<ContainerListResponse> containers, CancellationToken cancellationToken, LabTimings? timings = null)
    {
        timings ??= new LabTimings();
        var ordered = containers.OrderBy(c => c.HostConfig?.NetworkMode == "none" ? 1 : 0).ToList();
        foreach (var container in ordered)
        {
            try
            {
                await timings.TimeAsync("docker rm", () => docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, cancellationToken));
            }
            catch (DockerContainerNotFoundException)
            {
                // Gone already.
            }
        }
    }

    private async Task<LabContainer> CreateAsync(string part, string role, string image, IList<string>? entrypoint, IReadOnlyList<string>? arguments, string networkMode, CancellationToken cancellationToken)
    {
        var name = run.Name(part);
        try
        {
            var parameters = new CreateContainerParameters
            {
                Name = name,
                Image = image,
                Labels = new Dictionary<string, string> { [ContainerLabels.Run] = run.Value, [ContainerLabels.Role] = role },
                HostConfig = new HostConfig
                {
                    NetworkMode = networkMode,
                    // A real init as PID 1 forwards SIGINT to the tool, which then prints its final report.
                    Init = true,
                },
            };
            if (entrypoint is not null) parameters.Entrypoint = entrypoint;
            if (arguments is not null) parameters.Cmd = [.. arguments];
            var created = await timings.TimeAsync("docker create", () => docker.Containers.CreateContainerAsync(parameters, cancellationToken));
            return new LabContainer(created.ID, name, 0);
        }
        catch (DockerImageNotFoundException)
        {
            throw new PipelineException($"The image {image} is not in the Docker engine; build it with './build.sh Images' (Lab depends on it), then run again.");
        }
    }

    public async Task StartAsync(LabContainer container, CancellationToken cancellationToken) =>
        await timings.TimeAsync("docker start", () => docker.Containers.StartContainerAsync(container.Id, new ContainerStartParameters(), cancellationToken));
}

/// <summary>A container of the lab: id, name and (for namespace holders) the pid whose /proc/PID/ns/net is its namespace.</summary>
public sealed record LabContainer(string Id, string Name, int Pid)
{
    public string NetworkNamespacePath => $"/proc/{Pid}/ns/net";
}
