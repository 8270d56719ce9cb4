using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

public sealed class LocalRegistryTests
{
    [Fact]
    public async Task Registry_starts_when_none_answers_is_reused_and_starts_again_after_it_died()
    {
        var log = new CapturingLog();
        var runner = new ProcessRunner(log, new SecretMasker());
        Assert.SkipWhen(runner.Locator.Find("docker-registry") is null, "docker-registry is not installed (apt-get install docker-registry)");
        Assert.SkipWhen(runner.Locator.Find("start-stop-daemon") is null, "start-stop-daemon (dpkg) is not installed");
        var cancel = TestContext.Current.CancellationToken;
        var directory = Directory.CreateTempSubdirectory("mcastlab-registry-");
        var registry = new LocalRegistry(runner, log, $"127.0.0.1:{ImageFixture.FreeLoopbackPort()}", directory.FullName);
        using var api = new RegistryApi(registry.Address);
        try
        {
            Assert.False(await api.AnswersAsync(cancel));
            await registry.EnsureRunningAsync(cancel);
            Assert.True(await api.AnswersAsync(cancel));
            Assert.DoesNotContain("htpasswd", await File.ReadAllTextAsync(registry.ConfigFile, cancel), StringComparison.Ordinal);

            await registry.EnsureRunningAsync(cancel);
            Assert.Single(log.At("information"), line => line.StartsWith("Starting a registry", StringComparison.Ordinal));

            // It died, leaving its pid file behind: the next start is clean.
            var pid = int.Parse(await File.ReadAllTextAsync(registry.PidFile, cancel), System.Globalization.CultureInfo.InvariantCulture);
            await runner.RunAsync("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken: cancel);
            for (var i = 0; i < 50 && await api.AnswersAsync(cancel); i++) await Task.Delay(100, cancel);
            Assert.True(File.Exists(registry.PidFile));

            await registry.EnsureRunningAsync(cancel);
            Assert.True(await api.AnswersAsync(cancel));
            Assert.Equal(2, log.At("information").Count(line => line.StartsWith("Starting a registry", StringComparison.Ordinal)));
        }
        finally
        {
            await registry.StopAsync(CancellationToken.None);
            directory.Delete(recursive: true);
        }
        Assert.False(await api.AnswersAsync(cancel));
    }
}
