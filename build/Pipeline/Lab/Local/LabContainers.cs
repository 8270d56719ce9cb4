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

    /// <summary>
    /// A container whose only job is to hold a network namespace (a host, or a pod's sandbox as the pause
    /// container does): `unshare --net sleep infinity`, so the namespace is new and empty (its loopback down,
    /// as a CRI runtime hands it to the CNI plugins). The container itself is in host network mode: Docker's
    /// own empty namespace (network mode none) costs a re-exec of dockerd per container, about 2.5 times the
    /// CPU of the whole start (measured here: 0.47 against 0.17 CPU seconds), and a 4 × 16 lab starts 71 of them.
    /// Docker's container:ID mode joins /proc/PID/ns/net of this process, so the programs land in the new one.
    /// </summary>
    public async Task<LabContainer> StartSandboxAsync(string part, string role, string image, CancellationToken cancellationToken)
    {
        var container = await CreateAsync(part, role, image, ["unshare", "--net", "--", "sleep", "infinity"], null, "host", cancellationToken);
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

    /// <summary>
    /// When the container's process exited, as the engine recorded it from the runtime's exit event (which
    /// `docker wait` and the log read report later, by as much as a second on a busy machine); null when unknown.
    /// </summary>
    public async Task<DateTimeOffset?> ExitedAtAsync(LabContainer container, CancellationToken cancellationToken)
    {
        var inspected = await timings.TimeAsync("docker inspect", () => docker.Containers.InspectContainerAsync(container.Id, cancellationToken));
        return EngineTime(inspected.State?.FinishedAt);
    }

    /// <summary>The engine's RFC 3339 time ("2026-12-06T21:48:09.123456789Z", nanoseconds); null for its zero time or anything else.</summary>
    public static DateTimeOffset? EngineTime(string? text)
    {
        var match = text is null ? null : System.Text.RegularExpressions.Regex.Match(text, @"^(.+T\d\d:\d\d:\d\d(?:\.\d{1,7})?)\d*(Z|[+-]\d\d:\d\d)$");
        return match is { Success: true }
            && DateTimeOffset.TryParse(match.Groups[1].Value + match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            && at.Year > 1 ? at : null;
    }

    /// <summary>Removes one container of the run (a program whose output was read).</summary>
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

    private async Task<LabContainer> CreateAsync(string part, string role, string image, IList<string>? entrypoint, IReadOnlyList<string>? arguments, string networkMode, CancellationToken cancellationToken)
    {
        var name = run.Name(part);
        var sandbox = networkMode == "host";
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
                    // A sandbox needs none (it is only killed), and its PID 1 must be the process in the new namespace.
                    Init = !sandbox,
                },
            };
            if (sandbox)
            {
                // unshare(CLONE_NEWNET) needs CAP_SYS_ADMIN, as root (the images run as nobody).
                parameters.User = "0";
                parameters.HostConfig.CapAdd = ["SYS_ADMIN"];
            }
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
