using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Target;

/// <summary>
/// The Lab target's step (build.cake's one call): generates the manifests for its parameters into its own run folder
/// (artifacts/lab/runs/RUN/), runs the chosen backend against them and the images Images just built (their
/// version tag), writes artifacts/lab/report.json (and the run folder's copy), logs the table, and fails
/// naming each failed check. Ctrl+C and SIGTERM cancel the run, which then removes what it created before exiting.
/// --lab-backend picks the backend: local (this machine), cluster (any Kubernetes with Multus, by kubeconfig) or
/// vagrant (the two-VM lab LabUp started: the cluster backend plus mcastsrc).
/// </summary>
public sealed class LabTarget(ProcessRunner runner, IBuildLog log, BuildParameters parameters)
{
    public string ReportDirectory => parameters.Layout.Lab;

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
        var run = LabRunId.New();
        var backend = parameters.Lab.Backend switch
        {
            LabBackend.Vagrant => (ILabBackend)Vagrant.VagrantBackend.Create(runner, log, parameters, run),
            LabBackend.Cluster => Cluster.ClusterLab.ForCluster(log, parameters, run),
            _ => new LocalLab(runner, log, new LocalLabOptions { Run = run }),
        };
        var version = await SourceVersion.ReadAsync(runner, parameters.RepositoryRoot, cancellationToken);
        var images = parameters.Images;
        // The run's own folder: what it applies is generated there from its parameters, so a run never
        // rewrites the committed manifests/ (only ./build.sh Manifests does) and two runs never share files.
        var runDirectory = Path.Combine(ReportDirectory, "runs", run.Value);
        new ManifestWriter(log, runDirectory, Path.GetRelativePath(parameters.RepositoryRoot, runDirectory)).Write(new LabManifests(parameters).Files());
        IReadOnlyList<string> references = [images.Reference(images.McastImage, version.Version), images.Reference(images.IperfImage, version.Version)];
        // A cluster's nodes pull: by digest, or IfNotPresent keeps a rebuilt tag's old image. Local runs the engine's
        // images and vagrant copies them (docker save, ctr import moves the tag), so both keep the tag.
        if (parameters.Lab.Backend == LabBackend.Cluster) references = await new LabImages(runner, log, parameters).PulledReferencesAsync(references, cancellationToken);
        var request = new LabRequest(parameters.Lab, references[0], references[1], Path.Combine(runDirectory, LabManifests.ManifestsDirectory));

        // The verdict, then the cause of each failed check (Lab/Diagnosis, docs/troubleshooting.md).
        var report = await backend.RunAsync(request, cancellationToken, Diagnosis.FailureDiagnosis.Explain);
        report.Write(runDirectory);
        var path = report.Write(ReportDirectory);
        // Report views (HTML, JUnit) are made from the report itself, beside report.json, for every run, passed or failed.
        var views = new Views.LabViews(log).TryWrite(report, ReportDirectory).Take(2).Select(Path.GetFileName);
        report.Print(log);
        log.Information($"Report: {string.Join(", ", views.Prepend(Path.GetRelativePath(parameters.RepositoryRoot, path)))} ({report.DurationSeconds} s; this run's copy and manifests in {Path.GetRelativePath(parameters.RepositoryRoot, runDirectory)})");
        report.EnsurePassed(Path.GetRelativePath(parameters.RepositoryRoot, path));
        return report;
    }
}
