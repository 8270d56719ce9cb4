using Docker.DotNet;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// Finds what earlier local lab runs left behind (a run killed with SIGKILL, a crashed host process) and
/// removes it: programs and sandboxes by their marker (killed first), containers by the run label, namespaces and the
/// state directory by the run prefix. A run
/// whose owner still holds its lock is alive (another lab at work) and is never touched.
/// </summary>
public sealed class LabLeftovers(DockerClient docker, NetworkNamespaces namespaces, IBuildLog log, string stateRoot = LabRunLock.StateRoot)
{
    /// <summary>Removes every dead run's leftovers and returns the ids of those runs.</summary>
    public async Task<IReadOnlyList<LabRunId>> RemoveStaleAsync(LabRunId? except, CancellationToken cancellationToken)
    {
        var containers = await LabContainers.ListAsync(docker, null, cancellationToken);
        var names = NetworkNamespaces.List();
        var directories = Directory.Exists(stateRoot) ? Directory.GetDirectories(stateRoot).Select(Path.GetFileName).OfType<string>() : [];
        var programs = LabPrograms.Running(null);

        var runs = containers.Select(c => c.Labels.TryGetValue(ContainerLabels.Run, out var v) ? v : "")
            .Concat(names).Concat(directories).Concat(programs.Select(p => p.Name))
            .Select(LabRunId.FromName).OfType<LabRunId>()
            .Distinct()
            .Where(run => run != except && !LabRunLock.IsLive(run, stateRoot))
            .ToList();

        var removed = new List<LabRunId>();
        foreach (var run in runs)
        {
            using var claim = LabRunLock.TryAcquire(run, stateRoot);
            if (claim is null) continue; // another sweep is removing it now
            removed.Add(run);
            var theirs = containers.Where(c => c.Labels.TryGetValue(ContainerLabels.Run, out var v) && v == run.Value).ToList();
            var theirNamespaces = names.Where(n => LabRunId.FromName(n) == run).ToList();
            var theirPrograms = programs.Where(p => LabRunId.FromName(p.Name) == run).ToList();
            log.Warning($"Removing the leftovers of an earlier lab run {run}: {theirPrograms.Count} process(es), {theirs.Count} container(s), {theirNamespaces.Count} namespace(s) and its state directory.");
            await LabPrograms.KillAsync(theirPrograms, cancellationToken);
            // A process caught between two execs (setsid, env, nsenter, unshare, the program) can show no environment
            // for a moment and be missed by the first look: look again until none of the run's is left.
            for (var look = 0; look < 5 && LabPrograms.Running(run) is { Count: > 0 } missed; look++) await LabPrograms.KillAsync(missed, cancellationToken);
            await LabContainers.RemoveAsync(docker, theirs, cancellationToken);
            foreach (var name in theirNamespaces) await namespaces.DeleteAsync(name, cancellationToken);
            var directory = LabRunLock.StateDirectory(run, stateRoot);
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        return removed;
    }
}
