using Docker.DotNet;
using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Docker;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Local;

namespace McastLab.Pipeline.Tests.Lab.Local;

/// <summary>The lab's programs as processes from the built images' exported file systems (root and Docker; CI runs them).</summary>
[Collection(typeof(LocalLabGroup))]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LabProgramsTests(LabHost host) : IAsyncLifetime
{
    private readonly DirectoryInfo cache = Directory.CreateTempSubdirectory("mcastlab-rootfs-cache-");
    private readonly string repository = $"mcastlab-test-{Guid.NewGuid().ToString("N")[..8]}/programs";
    private DockerClient? docker;

    private DockerClient Docker => docker ?? throw new InvalidOperationException("not connected");

    public async ValueTask InitializeAsync()
    {
        if (host.Missing is null) docker = await DockerConnection.ConnectAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (docker is not null)
        {
            foreach (var image in await docker.Images.ListImagesAsync(new ImagesListParameters { All = true }))
            {
                if (image.RepoTags?.Any(t => t.StartsWith(repository + ":", StringComparison.Ordinal)) == true)
                {
                    await docker.Images.DeleteImageAsync(image.ID, new ImageDeleteParameters { Force = true });
                }
            }
            docker.Dispose();
        }
        cache.Delete(recursive: true);
    }

    private void RequireHost() => Assert.SkipWhen(host.Missing is not null, $"The lab's programs need {host.Missing}.");

    /// <summary>The iperf image with one file written, committed under <paramref name="tag"/> (a rebuild: same tag, new id).</summary>
    private async Task<string> CommitAsync(string tag, string marker, IList<string>? entrypoint = null)
    {
        var cancellation = TestContext.Current.CancellationToken;
        var container = await Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = host.IperfImage,
            User = "0",
            Entrypoint = ["sh", "-c", $"echo {marker} > /marker"],
        }, cancellation);
        try
        {
            await Docker.Containers.StartContainerAsync(container.ID, new ContainerStartParameters(), cancellation);
            await Docker.Containers.WaitContainerAsync(container.ID, cancellation);
            var committed = await Docker.Images.CommitContainerChangesAsync(new CommitContainerChangesParameters
            {
                ContainerID = container.ID,
                RepositoryName = repository,
                Tag = tag,
                Entrypoint = entrypoint ?? ["iperf"],
                User = "65534:65534",
            }, cancellation);
            return committed.ID;
        }
        finally
        {
            await Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_rebuilt_image_is_exported_again_and_an_unchanged_one_is_not()
    {
        RequireHost();
        var cancellation = TestContext.Current.CancellationToken;
        var run = LabRunId.New();
        // A live run's: another lab's leftover removal (the lead's test loop, a parallel run) leaves its containers alone.
        using var live = Lock(run);
        var filesystems = new ImageFilesystems(Docker, run, cache.FullName);
        var image = $"{repository}:latest";
        // Entries of earlier images: one no run used for longer than the lifetime, one used lately.
        var unused = Directory.CreateDirectory(Path.Combine(cache.FullName, new string('a', 64)));
        Directory.SetLastWriteTimeUtc(unused.FullName, DateTime.UtcNow - ImageFilesystems.UnusedLifetime - TimeSpan.FromHours(1));
        var recent = Directory.CreateDirectory(Path.Combine(cache.FullName, new string('b', 64)));

        var firstId = await CommitAsync("latest", "one");
        var first = await filesystems.GetAsync(image, cancellation);
        var again = await filesystems.GetAsync(image, cancellation);
        var secondId = await CommitAsync("latest", "two");
        var second = await filesystems.GetAsync(image, cancellation);

        Assert.Equal((firstId, true), (first.Id, first.Exported));
        Assert.Equal((first.Directory, false), (again.Directory, again.Exported));
        Assert.Equal((secondId, true), (second.Id, second.Exported));
        Assert.NotEqual(first.Directory, second.Directory);
        Assert.Equal("one\n", File.ReadAllText(Path.Combine(first.Directory, "marker")));
        Assert.Equal("two\n", File.ReadAllText(Path.Combine(second.Directory, "marker")));
        // Owners, modes and device nodes as a container sees them.
        Assert.Equal(UnixFileMode.StickyBit, File.GetUnixFileMode(Path.Combine(second.Directory, "tmp")) & UnixFileMode.StickyBit);
        Assert.Empty(Directory.GetDirectories(cache.FullName, "*.partial-*"));
        Assert.Equal((false, true), (Directory.Exists(unused.FullName), Directory.Exists(recent.FullName)));
        Assert.DoesNotContain(await LabContainers.ListAsync(Docker, null, cancellation),
            c => c.Labels.TryGetValue(ContainerLabels.Role, out var role) && role == "export" && c.Image.StartsWith(repository, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_program_whose_entrypoint_the_image_lacks_fails_in_one_sentence()
    {
        RequireHost();
        var cancellation = TestContext.Current.CancellationToken;
        var run = LabRunId.New();
        using var live = Lock(run);
        await CommitAsync("broken", "x", ["/usr/local/bin/no-such-program"]);
        var programs = new LabPrograms(new ImageFilesystems(Docker, run, cache.FullName), run);
        var self = new LabSandbox("", "this process", Environment.ProcessId);

        var e = await Assert.ThrowsAsync<PipelineException>(() => programs.StartAsync(self, "r0", $"{repository}:broken", ["-s"], cancellation));

        Assert.StartsWith($"The lab program {run.Name("r0")} cannot start: the image {repository}:broken has no executable '/usr/local/bin/no-such-program' (its entrypoint) in its file system at ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("; rebuild it with './build.sh Images' and run again.", e.Message, StringComparison.Ordinal);
        Assert.Empty(LabPrograms.Running(run));
    }

    [Fact]
    public async Task A_program_is_found_by_its_marker_while_it_still_execs_its_way_to_the_images_entrypoint()
    {
        RequireHost();
        var cancellation = TestContext.Current.CancellationToken;
        using var live = await RunWithHostAsync(cancellation);
        var (run, sandboxes, sandbox) = (live.Run, live.Sandboxes, live.Host);
        var programs = new LabPrograms(new ImageFilesystems(Docker, run, cache.FullName), run);
        try
        {
            await programs.PrepareAsync([host.IperfImage], cancellation);
            // StartAsync returns once setsid runs; env, nsenter, unshare and iperf follow, and while a process
            // execs the kernel shows its environment empty for a moment (a sweep then missed a dead run's program).
            for (var i = 0; i < 60; i++)
            {
                var program = await programs.StartAsync(sandbox, $"s{i}", host.IperfImage, ["-s", "-u", "-p", (6100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellation);
                Assert.Contains((program.Pid, run.Name($"s{i}")), LabPrograms.Running(run));
            }
        }
        finally
        {
            Assert.Empty(await programs.StopAllAsync());
            Assert.Empty(await sandboxes.StopAllAsync());
        }
    }

    [Fact]
    public async Task A_program_runs_as_the_images_user_in_the_namespace_and_answers_SIGINT_with_its_report()
    {
        RequireHost();
        var cancellation = TestContext.Current.CancellationToken;
        using var live = await RunWithHostAsync(cancellation);
        var (run, sandboxes, sandbox) = (live.Run, live.Sandboxes, live.Host);
        try
        {
            // An interface to join on, as a pod's eth1.
            foreach (var command in new[] { "link add eth1 type veth peer name eth2", "link set eth1 up", "link set eth2 up", "address add 10.9.9.9/24 dev eth1" })
            {
                using var ip = System.Diagnostics.Process.Start("nsenter", ["--net=" + sandbox.NetworkNamespacePath, "ip", .. command.Split(' ')]);
                await ip.WaitForExitAsync(cancellation);
                Assert.Equal(0, ip.ExitCode);
            }
            var programs = new LabPrograms(new ImageFilesystems(Docker, run, cache.FullName), run);
            var receiver = await programs.StartAsync(sandbox, "r0", host.McastImage, ["recv", "--group", "224.0.67.67", "--port", "5999", "--interface", "eth1", "--format", "json"], cancellation);
            Assert.Equal([(sandbox.Pid, run.Name("k8s")), (receiver.Pid, run.Name("r0"))], LabPrograms.Running(run).OrderBy(p => p.Name, StringComparer.Ordinal));
            // setsid, env, nsenter and unshare exec one another, then the program: the same pid throughout.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (File.ReadAllText($"/proc/{receiver.Pid}/comm").Trim() != "mcast" && watch.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(10, cancellation);
            Assert.Equal(Link(sandbox.NetworkNamespacePath), Link($"/proc/{receiver.Pid}/ns/net"));
            Assert.NotEqual(Link("/proc/self/ns/net"), Link($"/proc/{receiver.Pid}/ns/net"));
            Assert.Contains("Uid:\t65534\t65534\t65534\t65534", File.ReadAllText($"/proc/{receiver.Pid}/status"), StringComparison.Ordinal);
            // Joined in its namespace (seen from the sandbox's side), as the flows wait for their receivers.
            while (!IgmpMembership.IsJoined(sandbox.Pid, "eth1", System.Net.IPAddress.Parse("224.0.67.67")) && watch.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(10, cancellation);
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellation);

            receiver.Signal(Signals.Interrupt);
            var outcome = await receiver.WaitAsync(TimeSpan.FromSeconds(10), cancellation);

            // Its report (not only an exit by the signal's default action, which gives 130 too).
            Assert.True(outcome.Stdout.Contains("\"interrupted\":true", StringComparison.Ordinal), $"exit {outcome.ExitCode}, stdout: {outcome.Stdout} stderr: {outcome.Stderr}");
            Assert.Empty(await programs.StopAllAsync());
            Assert.Equal([run.Name("k8s")], LabPrograms.Running(run).Select(p => p.Name));
        }
        finally
        {
            Assert.Empty(await sandboxes.StopAllAsync());
            Assert.Empty(LabPrograms.Running(run));
        }
    }

    private static string Link(string path) => new FileInfo(path).LinkTarget ?? "";

    /// <summary>The run's lock, held as a lab holds it; its state directory goes with it.</summary>
    private static RunLock Lock(LabRunId run) => new(run, LabRunLock.Acquire(run));

    /// <summary>A new run, locked, with its host's sandbox ("k8s") started; the test stops the sandboxes.</summary>
    private static async Task<HostRun> RunWithHostAsync(CancellationToken cancellation)
    {
        var run = LabRunId.New();
        var live = Lock(run);
        var sandboxes = new LabSandboxes(run);
        return new HostRun(run, live, sandboxes, await sandboxes.StartAsync("k8s", cancellation));
    }

    private sealed record HostRun(LabRunId Run, RunLock Lock, LabSandboxes Sandboxes, LabSandbox Host) : IDisposable
    {
        public void Dispose() => Lock.Dispose();
    }

    private sealed class RunLock(LabRunId run, LabRunLock held) : IDisposable
    {
        public void Dispose()
        {
            held.Dispose();
            Directory.Delete(LabRunLock.StateDirectory(run), recursive: true);
        }
    }
}
