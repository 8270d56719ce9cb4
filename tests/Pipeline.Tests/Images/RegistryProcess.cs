using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// A docker-registry a test starts with its own config (in its own folder, detached by start-stop-daemon) and
/// stops again; ready once it answers on <paramref name="probe"/>.
/// </summary>
internal sealed class RegistryProcess(ProcessRunner runner, string directory, string probe)
{
    private string PidFile => Path.Combine(directory, "registry.pid");

    public async Task StartAsync(string config, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(file, config, cancellationToken);
        await runner.RunAsync("start-stop-daemon",
            ["--start", "--background", "--make-pidfile", "--pidfile", PidFile, "--output", Path.Combine(directory, "registry.log"),
             "--exec", runner.Locator.Find("docker-registry")!, "--", "serve", file], cancellationToken: cancellationToken);
        using var api = new RegistryApi(probe);
        for (var i = 0; i < 80 && !await api.AnswersAsync(cancellationToken); i++) await Task.Delay(250, cancellationToken);
    }

    public async Task StopAsync() =>
        await runner.RunAsync("start-stop-daemon", ["--stop", "--oknodo", "--pidfile", PidFile, "--remove-pidfile", "--retry", "TERM/5/KILL/2"],
            new ProcessOptions { Quiet = true, AllowFailure = true });
}
