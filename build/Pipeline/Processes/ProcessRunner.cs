using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using CliWrap;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Processes;

/// <summary>
/// Runs every external program of the pipeline: an argument list (never a shell string), output streamed
/// line by line to the log and captured, the exit code checked, secrets masked in everything it shows.
/// </summary>
public sealed class ProcessRunner(IBuildLog log, SecretMasker masker, ProgramLocator? locator = null)
{
    private readonly ProgramLocator locator = locator ?? new ProgramLocator();

    public ProgramLocator Locator => locator;

    public async Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, ProcessOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProcessOptions();
        var args = arguments.ToList();
        var display = masker.Mask(Display(program, args));
        var executable = locator.Find(program)
            ?? throw new ProcessFailedException($"'{program}' was not found on PATH; run ./build.sh Prerequisites to install it.");

        log.Verbose("> " + display);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        void Show(string masked)
        {
            if (options.CaptureOnly) return;
            if (options.Output is { } output) output.Line(masked);
            else if (options.Quiet) log.Verbose(masked);
            else log.Information(masked);
        }
        void Out(string line)
        {
            var masked = masker.Mask(line);
            lock (stdout) stdout.AppendLine(masked);
            Show(masked);
        }
        void Err(string line)
        {
            var masked = masker.Mask(line);
            lock (stderr) stderr.AppendLine(masked);
            Show(masked);
        }

        var command = Cli.Wrap(executable)
            .WithArguments(args)
            .WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(options.Environment)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Out))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Err));
        if (options.WorkingDirectory is { } directory) command = command.WithWorkingDirectory(directory);
        if (options.StandardInput is { } input) command = command.WithStandardInputPipe(PipeSource.FromString(input));

        using var timeout = options.Timeout is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var watch = Stopwatch.StartNew();
        CommandResult finished;
        try
        {
            // Ask politely first (SIGINT), so the child can clean up what it made; kill after a grace period.
            using var forceful = new CancellationTokenSource();
            using var registration = linked.Token.Register(() => forceful.CancelAfter(TimeSpan.FromSeconds(10)));
            finished = await command.ExecuteAsync(forceful.Token, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            options.Output?.Replay();
            throw new ProcessFailedException($"'{display}' did not finish within {options.Timeout}; see its output above.");
        }
        catch (Win32Exception e)
        {
            throw new ProcessFailedException($"'{display}' could not be started ({e.Message}); check that {executable} is an executable program.");
        }

        var result = new ProcessResult(finished.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
        if (!options.AllowFailure && !options.SuccessCodes.Contains(result.ExitCode))
        {
            options.Output?.Replay();
            throw new ProcessFailedException($"'{display}' failed with exit code {result.ExitCode}; see its output above.", result);
        }
        return result;
    }

    /// <summary>The command as a person would type it, quoting arguments that need it.</summary>
    public static string Display(string program, IEnumerable<string> arguments) =>
        ShellWords.Join(arguments.Prepend(program));
}
