using System.Runtime.InteropServices;
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
/// </summary>
public sealed class LabVerification(ProcessRunner runner, IBuildLog log, BuildParameters parameters)
{
    public string ReportDirectory => Path.Combine(parameters.Artifacts, "lab");

    public async Task RunAsync()
    {
        using var cancel = new CancellationTokenSource();
        void Interrupt(object? sender, ConsoleCancelEventArgs e)
        {
            // Keep the process alive until the lab has cleaned up; a second Ctrl+C still ends it at once.
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            log.Warning("Interrupted: stopping the lab and removing what it created …");
            cancel.Cancel();
        }
        Console.CancelKeyPress += Interrupt;
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            await RunAsync(cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new PipelineException("The lab was interrupted; what it had created was removed, run it again to verify.");
        }
        finally
        {
            Console.CancelKeyPress -= Interrupt;
        }
    }

    public async Task<LabReport> RunAsync(CancellationToken cancellationToken)
    {
        var backend = parameters.Lab.Backend switch
        {
            LabBackend.Local => new LocalLab(runner, log),
            _ => throw new PipelineException($"The lab backend '{parameters.Lab.Backend}' is not available in this build; use --lab-backend=local."),
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
        report.Print(log);
        log.Information($"Report: {Path.GetRelativePath(parameters.RepositoryRoot, path)} ({report.DurationSeconds} s)");
        report.EnsurePassed(Path.GetRelativePath(parameters.RepositoryRoot, path));
        return report;
    }
}
