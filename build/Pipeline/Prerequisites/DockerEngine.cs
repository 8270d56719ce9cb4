using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Prerequisites;

/// <summary>Asks whether a Docker engine answers, and starts one as root when none does.</summary>
public sealed class DockerEngine(ProcessRunner runner, IBuildLog log, HostFacts host)
{
    public const string LogFile = "/var/log/mcastlab-dockerd.log";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The engine's version, or null when the client is missing or no engine answers.</summary>
    public async Task<string?> ServerVersionAsync(CancellationToken cancellationToken = default)
    {
        if (runner.Locator.Find("docker") is null) return null;
        var result = await runner.RunAsync("docker", ["version", "--format", "{{.Server.Version}}"],
            new ProcessOptions { Quiet = true, AllowFailure = true, Timeout = TimeSpan.FromSeconds(20) }, cancellationToken);
        var version = result.StandardOutput.Trim();
        return result.ExitCode == 0 && version.Length > 0 ? version : null;
    }

    public async Task<string> EnsureRunningAsync(CancellationToken cancellationToken = default)
    {
        if (await ServerVersionAsync(cancellationToken) is { } running) return running;
        if (!host.IsRoot)
        {
            throw new PipelineException("The Docker engine does not answer; start it with 'sudo systemctl start docker' (or 'sudo dockerd &' without systemd) and run again.");
        }

        if (host.HasSystemd)
        {
            log.Information("Starting the Docker engine: systemctl start docker");
            await runner.RunAsync("systemctl", ["start", "docker"], cancellationToken: cancellationToken);
        }
        else
        {
            // Debian's init script fails in containers (it raises ulimits); start dockerd itself, detached.
            var dockerd = runner.Locator.Find("dockerd")
                ?? throw new PipelineException("dockerd was not found; install the engine with 'apt-get install -y docker.io' and run again.");
            log.Information($"Starting the Docker engine: {dockerd}, logging to {LogFile}");
            await runner.RunAsync("start-stop-daemon",
                ["--start", "--background", "--output", LogFile, "--make-pidfile", "--pidfile", "/run/mcastlab-dockerd.pid", "--exec", dockerd],
                cancellationToken: cancellationToken);
        }

        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await ServerVersionAsync(cancellationToken) is { } started)
            {
                log.Information($"Docker engine {started} answers.");
                return started;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
        throw new PipelineException($"The Docker engine did not answer within {StartTimeout.TotalSeconds:0} s of starting; read {LogFile} (or 'journalctl -u docker') for the reason.");
    }
}
