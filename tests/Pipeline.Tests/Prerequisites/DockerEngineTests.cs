using McastLab.Pipeline.Core;
using McastLab.Pipeline.Prerequisites;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Prerequisites;

/// <summary>Starting the engine, against a fake docker CLI that answers once a fake start-stop-daemon "started" dockerd.</summary>
public sealed class DockerEngineTests : IDisposable
{
    private readonly TemporaryDirectory bin = new();
    private readonly CapturingLog log = new();

    public DockerEngineTests()
    {
        var started = Path.Combine(bin.Path, "started");
        bin.Program("docker", $"[ -f '{started}' ] && echo 20.10.24 && exit 0; echo 'Cannot connect to the Docker daemon' >&2; exit 1");
        bin.Program("dockerd", "exit 0");
        bin.Program("start-stop-daemon", $"echo \"$*\" > '{bin.Path}/ssd.log'; touch '{started}'");
    }

    private DockerEngine Engine(bool root) =>
        new(new ProcessRunner(log, new SecretMasker(), new ProgramLocator(bin.Path)), log, new HostFacts(root, true, HasSystemd: false));

    [Fact]
    public async Task As_root_starts_dockerd_detached_and_waits_until_it_answers()
    {
        var version = await Engine(root: true).EnsureRunningAsync(TestContext.Current.CancellationToken);
        Assert.Equal("20.10.24", version);
        var call = File.ReadAllText(Path.Combine(bin.Path, "ssd.log"));
        Assert.Contains("--start --background --output /var/log/mcastlab-dockerd.log", call, StringComparison.Ordinal);
        Assert.Contains("--exec " + Path.Combine(bin.Path, "dockerd"), call, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_engine_that_answers_is_left_alone()
    {
        File.WriteAllText(Path.Combine(bin.Path, "started"), "");
        Assert.Equal("20.10.24", await Engine(root: true).EnsureRunningAsync(TestContext.Current.CancellationToken));
        Assert.False(File.Exists(Path.Combine(bin.Path, "ssd.log")));
    }

    [Fact]
    public async Task Without_root_it_says_how_to_start_one()
    {
        var error = await Assert.ThrowsAsync<PipelineException>(() => Engine(root: false).EnsureRunningAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("The Docker engine does not answer; start it with 'sudo systemctl start docker'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => bin.Dispose();
}
