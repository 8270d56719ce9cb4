using System.Collections.Concurrent;
using System.Diagnostics;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The lab's sandboxes: each host, and each pod as the pause container is for it, is a process whose only job
/// is to hold a new network namespace, empty but for its loopback, which is up, as a CRI runtime hands it to the
/// CNI plugins: `setsid unshare --net -- sh -c 'ip link set lo up &amp;&amp; exec sleep infinity'`. The lab's programs enter /proc/PID/ns/net of that process
/// (<see cref="LabPrograms"/>), the plugins get that path as CNI_NETNS. A Docker container per sandbox cost
/// dockerd, containerd and its shim about 0.17 CPU seconds to start and as much to remove, and a 4 × 16 lab
/// has 71; the process costs a few milliseconds. Each carries <see cref="LabPrograms.Marker"/>, so a later
/// run finds (and kills) the sandboxes of a run that was killed, as it does its programs.
/// </summary>
public sealed class LabSandboxes(LabRunId run, ProgramLocator? locator = null, LabTimings? timings = null)
{
    private readonly LabTimings timings = timings ?? new LabTimings();
    private readonly ConcurrentQueue<(LabSandbox Sandbox, LabProgram Holder)> started = new();

    private readonly Lazy<(string Setsid, string Unshare, string Shell, string Ip, string Sleep)> tools = new(() =>
    {
        var l = locator ?? new ProgramLocator();
        string Find(string program, string package) => l.Find(program)
            ?? throw new PipelineException($"The local lab holds its hosts' and pods' network namespaces with '{program}', which is not on PATH; install {package} (apt-get install -y {package}) or run ./build.sh Prerequisites.");
        return (Find("setsid", "util-linux"), Find("unshare", "util-linux"), Find("sh", "dash"), Find("ip", "iproute2"), Find("sleep", "coreutils"));
    });

    /// <summary>Starts the sandbox of a host or a pod (<paramref name="part"/> names it) and returns once its namespace exists.</summary>
    public async Task<LabSandbox> StartAsync(string part, CancellationToken cancellationToken)
    {
        var (setsid, unshare, shell, ip, sleep) = tools.Value;
        var name = run.Name(part);
        var info = new ProcessStartInfo(setsid)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The loopback in the same process: an nsenter per sandbox from here cost more than the sandbox itself.
        foreach (var argument in new[] { unshare, "--net", "--", shell, "-c", "\"$1\" link set lo up && exec \"$2\" infinity", "sandbox", ip, sleep }) info.ArgumentList.Add(argument);
        // Nothing of the lab's environment (tokens among it): only the marker a later run finds it by.
        info.Environment.Clear();
        info.Environment[LabPrograms.Marker] = name;
        var holder = await timings.TimeAsync("sandbox start", () => Task.FromResult(LabProgram.Start(name, info)));
        // The id the CNI plugins get as CNI_CONTAINERID (host-local keys its leases by it), as a container's would be.
        var sandbox = new LabSandbox(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), name, holder.Pid);
        started.Enqueue((sandbox, holder));
        await UntilUnsharedAsync(sandbox, holder, cancellationToken);
        return sandbox;
    }

    /// <summary>
    /// Waits until the holder runs sleep: unshare makes the namespace, the shell sets its loopback up, then execs
    /// sleep. Before that the process may still be in the host's namespace, and a name (ip netns attach) or a CNI
    /// call made for it would land there; seen under load, when the first host's eth1 went to the host.
    /// </summary>
    private static async Task UntilUnsharedAsync(LabSandbox sandbox, LabProgram holder, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        string? program;
        while ((program = ProgramOf(sandbox.Pid)) != "sleep")
        {
            if (program is null || holder.HasExited || watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                var why = program is null || holder.HasExited ? $"it ended: {(await holder.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken)).Stderr.Trim()}" : $"still '{program}' after 30 s";
                throw new PipelineException($"The lab sandbox {sandbox.Name} did not reach 'sleep' in a network namespace of its own ({why}); the local lab needs root (CAP_SYS_ADMIN) for unshare --net.");
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

    /// <summary>Ends one sandbox (a pod's, after its CNI DEL): its namespace goes with it unless a name holds it.</summary>
    public async Task StopAsync(LabSandbox sandbox)
    {
        foreach (var (_, holder) in started.Where(s => s.Sandbox == sandbox))
        {
            holder.Signal(Signals.Kill);
            await holder.EndedWithinAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Ends every sandbox of this run still running and returns the names of those that did not end (cleanup reports them).</summary>
    public async Task<IReadOnlyList<string>> StopAllAsync()
    {
        var running = started.Where(s => !s.Holder.HasExited).ToList();
        foreach (var (_, holder) in running) holder.Signal(Signals.Kill);
        var left = new ConcurrentQueue<string>();
        await Task.WhenAll(running.Select(async s =>
        {
            if (!await s.Holder.EndedWithinAsync(TimeSpan.FromSeconds(10))) left.Enqueue(s.Sandbox.Name);
        }));
        foreach (var (_, holder) in started) holder.Dispose();
        return [.. left];
    }
}

/// <summary>A sandbox of the lab: the id its CNI calls carry, its name and the pid whose /proc/PID/ns/net is its namespace.</summary>
public sealed record LabSandbox(string Id, string Name, int Pid)
{
    public string NetworkNamespacePath => $"/proc/{Pid}/ns/net";
}
