using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>
/// A registry on a loopback address, started when none answers there: Debian's docker-registry with a config
/// written under its own directory (storage beside it; Debian's packaged config points the password file
/// at a directory and cannot be used). Started detached with a pid file, so it outlives the build; the
/// pipeline never stops it, and a later start finds it running or starts it cleanly again.
/// </summary>
public sealed class LocalRegistry(ProcessRunner runner, IBuildLog log, string address, string directory)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    public string Address { get; } = address;
    public string ConfigFile => Path.Combine(directory, "config.yml");
    public string StorageDirectory => Path.Combine(directory, "storage");
    public string PidFile => Path.Combine(directory, "registry.pid");
    public string LogFile => Path.Combine(directory, "registry.log");

    /// <summary>The config: storage on disk, deletes allowed (tests remove what they push), no authentication.</summary>
    public string Config() => $"""
        # Written by the McastLab pipeline (LocalRegistry); rewritten on every start.
        version: 0.1
        log:
          level: info
          fields:
            service: mcastlab-registry
        storage:
          filesystem:
            rootdirectory: {StorageDirectory}
          delete:
            enabled: true
        http:
          addr: {Address}
          headers:
            X-Content-Type-Options: [nosniff]

        """;

    /// <summary>Leaves a registry answering at the address: the one already there, or one started now.</summary>
    public async Task EnsureRunningAsync(CancellationToken cancellationToken = default)
    {
        using var api = new RegistryApi(Address, timeout: TimeSpan.FromSeconds(3));
        if (await api.AnswersAsync(cancellationToken))
        {
            log.Information($"A registry answers at {Address}.");
            return;
        }
        if (!RegistryApi.IsLoopback(Address))
        {
            throw new PipelineException($"No registry answers at {Address} and only a loopback one can be started here; check --registry and the registry, then run again.");
        }

        Directory.CreateDirectory(StorageDirectory);
        await File.WriteAllTextAsync(ConfigFile, Config(), cancellationToken);
        var program = runner.Locator.Find("docker-registry")
            ?? throw new PipelineException("No registry answers at " + Address + " and docker-registry is not installed; install it with './build.sh Prerequisites' (as root) or 'apt-get install -y docker-registry', then run again.");
        log.Information($"Starting a registry at {Address}: {program} serve {ConfigFile} (log {LogFile})");
        // --oknodo: a registry from this pid file still running is fine; a stale pid file is replaced.
        await runner.RunAsync("start-stop-daemon",
            ["--start", "--oknodo", "--background", "--make-pidfile", "--pidfile", PidFile, "--output", LogFile,
             "--exec", program, "--", "serve", ConfigFile],
            cancellationToken: cancellationToken);

        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await api.AnswersAsync(cancellationToken))
            {
                log.Information($"Registry at {Address} answers (storage {StorageDirectory}).");
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
        throw new PipelineException($"The registry started at {Address} did not answer within {StartTimeout.TotalSeconds:0} s; read {LogFile} for the reason (is the port taken?) and run again.");
    }

    /// <summary>Stops the registry this pid file names (tests; the pipeline leaves it running).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) =>
        runner.RunAsync("start-stop-daemon",
            ["--stop", "--oknodo", "--pidfile", PidFile, "--remove-pidfile", "--retry", "TERM/5/KILL/2"],
            new ProcessOptions { Quiet = true }, cancellationToken);
}
