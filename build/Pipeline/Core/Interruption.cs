using System.Runtime.InteropServices;

namespace McastLab.Pipeline.Core;

/// <summary>
/// Turns Ctrl+C and SIGTERM into a cancellation, so that a running step stops its programs and removes what
/// it made before the process ends. A second Ctrl+C ends the process at once.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly PosixSignalRegistration? terminate;
    private readonly IBuildLog log;

    public Interruption(IBuildLog log)
    {
        this.log = log;
        Console.CancelKeyPress += OnCancelKeyPress;
        if (!OperatingSystem.IsWindows())
        {
            terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Cancel("SIGTERM");
            });
        }
    }

    public CancellationToken Token => source.Token;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (source.IsCancellationRequested) return; // the second Ctrl+C ends the process
        e.Cancel = true;
        Cancel("Ctrl+C");
    }

    private void Cancel(string what)
    {
        log.Warning($"{what}: stopping and cleaning up (press Ctrl+C again to end at once).");
        source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        terminate?.Dispose();
        source.Dispose();
    }
}
