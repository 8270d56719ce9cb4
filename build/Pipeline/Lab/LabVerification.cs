using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab;

/// <summary>
/// The Lab target: runs the chosen backend against the images Images just built (their version tag) and the
/// manifests Manifests just wrote, writes artifacts/lab/report.json, logs the table, and fails naming each
/// failed check. Ctrl+C and SIGTERM cancel the run, which then removes what it created before exiting.
/// --lab-backend picks the backend: local (this machine) or vagrant (the two-VM lab LabUp started).
/// </summary>
public sealed class LabVerification(ProcessRunner runner, IBuildLog log, BuildParameters parameters)
{
    public string ReportDirectory => Path.Combine(parameters.Artifacts, "lab");

    /// <summary>The target's call: cancelled by Ctrl+C/SIGTERM (<see cref="Interruption"/>), after the backend cleaned up.</summary>
    public async Task RunTargetAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new PipelineException("The lab was interrupted; what it had created was removed, run it again to verify.");
        }
    }

    public async Task<LabReport> RunAsync(CancellationToken cancellationToken)
    {
        var backend = parameters.Lab.Backend switch
        {
            LabBackend.Vagrant => (ILabBackend)Cluster.ClusterLab.Create(runner, log, parameters),
            _ => new LocalLab(runner, log),
        };
        var version = await SourceVersion.ReadAsync(runner, parameters.RepositoryRoot, cancellationToken);
        var images = parameters.Images;
        var request = new LabRequest(
            parameters.Lab,
            images.Reference(images.McastImage, version.Version),
            images.Reference(images.IperfImage, version.Version),
            Path.Combine(parameters.RepositoryRoot, LabManifests.ManifestsDirectory));

        var report = await backend.RunAsync(request, cancellationToken);
        var path = report.Write(ReportDirectory);
        new Views.LabViews(log).TryWrite(path);
        report.Print(log);
        log.Information($"Report: {Path.GetRelativePath(parameters.RepositoryRoot, path)} ({report.DurationSeconds} s)");
        report.EnsurePassed(Path.GetRelativePath(parameters.RepositoryRoot, path));
        return report;
    }
}
