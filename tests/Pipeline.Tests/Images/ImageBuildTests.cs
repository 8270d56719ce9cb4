using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

[Collection(ImageEngineGroup.Name)]
public sealed class ImageBuildTests(ImageFixture fixture)
{
    private const string NonRoot = "65534";

    [Fact]
    public async Task Mcast_image_runs_its_help_as_non_root()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var help = await fixture.RunAsync(fixture.Mcast.References[0], "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("usage: mcast", help.StandardOutput + help.StandardError, StringComparison.Ordinal);

        // The image has no shell or id(1): read the running receiver's uid from the host instead.
        var run = await fixture.Runner.RunAsync("docker", ["run", "-d", "--network", "none", fixture.Mcast.References[0],
            "recv", "--group", "224.0.67.67", "--interface", "lo", "--duration", "30"], cancellationToken: TestContext.Current.CancellationToken);
        var container = run.StandardOutput.Trim();
        try
        {
            var pid = (await fixture.Runner.RunAsync("docker", ["inspect", "--format", "{{.State.Pid}}", container], cancellationToken: TestContext.Current.CancellationToken)).StandardOutput.Trim();
            var uid = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
            Assert.Equal(NonRoot, uid);
        }
        finally
        {
            await fixture.Runner.RunAsync("docker", ["rm", "-f", container], new ProcessOptions { Quiet = true, AllowFailure = true }, CancellationToken.None);
        }
        var config = (await fixture.Docker.Images.InspectImageAsync(fixture.Mcast.References[0], TestContext.Current.CancellationToken)).Config;
        Assert.NotNull(config);
        Assert.Equal("65534:65534", config.User);
        Assert.Equal(["/usr/local/bin/mcast"], config.Entrypoint);
    }

    /// <summary>The tests run what this checkout builds: the image's binary is the one just published from the working tree.</summary>
    [Fact]
    public async Task The_mcast_image_holds_the_binary_published_from_this_checkout()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var token = TestContext.Current.CancellationToken;
        var created = await fixture.Runner.RunAsync("docker", ["create", fixture.Mcast.Id], cancellationToken: token);
        var container = created.StandardOutput.Trim();
        using var copy = new TemporaryDirectory();
        try
        {
            await fixture.Runner.RunAsync("docker", ["cp", $"{container}:/usr/local/bin/mcast", Path.Combine(copy.Path, "mcast")], cancellationToken: token);
        }
        finally
        {
            await fixture.Runner.RunAsync("docker", ["rm", "-f", container], new ProcessOptions { Quiet = true, AllowFailure = true }, CancellationToken.None);
        }

        Assert.Equal(McastLab.Pipeline.Core.Sha256.OfFile(fixture.McastBinary), McastLab.Pipeline.Core.Sha256.OfFile(Path.Combine(copy.Path, "mcast")));
        // The version tag the build gave points at this very image, not at an older one of the same name.
        Assert.Equal(fixture.Mcast.Id, (await fixture.Docker.Images.InspectImageAsync(fixture.Mcast.References[0], token)).ID);
    }

    [Fact]
    public async Task Iperf_image_is_iperf_2_1_8_as_non_root()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        // iperf -v prints its version on stderr and exits 1.
        var version = await fixture.RunAsync(fixture.Iperf.References[0], "-v");
        Assert.Contains($"iperf version {fixture.Parameters.Versions.Iperf} ", version.StandardOutput + version.StandardError, StringComparison.Ordinal);

        var id = await fixture.RunWithEntrypointAsync(fixture.Iperf.References[0], "id", "-u");
        Assert.Equal(NonRoot, id.StandardOutput.Trim());
        var config = (await fixture.Docker.Images.InspectImageAsync(fixture.Iperf.References[0], TestContext.Current.CancellationToken)).Config;
        Assert.NotNull(config);
        Assert.Equal("65534:65534", config.User);
        Assert.Equal(["iperf"], config.Entrypoint);
    }

    [Fact]
    public void Both_images_carry_the_OCI_labels_and_both_tags()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        foreach (var image in new[] { fixture.Iperf, fixture.Mcast })
        {
            Assert.Equal(fixture.Version.Version, image.Labels["org.opencontainers.image.version"]);
            Assert.Equal(fixture.Version.Revision, image.Labels["org.opencontainers.image.revision"]);
            // Present exactly when the checkout's origin is a web URL.
            Assert.Equal(fixture.Version.Source, image.Labels.TryGetValue("org.opencontainers.image.source", out var source) ? source : null);
            Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$", image.Labels["org.opencontainers.image.created"]);
            foreach (var key in new[] { "title", "description", "licenses" })
            {
                Assert.False(string.IsNullOrWhiteSpace(image.Labels["org.opencontainers.image." + key]), key);
            }
            Assert.Equal(fixture.Version.Latest ? [fixture.Version.Version, "latest"] : [fixture.Version.Version], image.References.Select(r => ImageName.Parse(r).Tag));
        }
        Assert.Contains("iperf", fixture.Iperf.Labels["org.opencontainers.image.title"], StringComparison.Ordinal);
        Assert.Contains("mcast", fixture.Mcast.Labels["org.opencontainers.image.title"], StringComparison.Ordinal);
    }

    [Fact]
    public void Mcast_image_is_smaller_than_iperf_image()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        TestContext.Current.SendDiagnosticMessage($"base {fixture.BaseSize} iperf {fixture.Iperf.Size} mcast {fixture.Mcast.Size}");
        Assert.True(fixture.Mcast.Size < fixture.Iperf.Size, $"mcast {fixture.Mcast.Size} bytes, iperf {fixture.Iperf.Size} bytes");
        Assert.True(fixture.Iperf.Size > fixture.BaseSize);
    }

    [Fact]
    public async Task Base_image_is_trimmed_and_keeps_later_layers_free_of_documentation()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var listing = await fixture.RunWithEntrypointAsync(fixture.Parameters.Images.BaseImage, "sh", "-c",
            "find /usr/share/doc -type f ! -name copyright | wc -l; ls -A /var/lib/apt/lists | wc -l; ls -A /usr/share/man | wc -l; ls /etc/dpkg/dpkg.cfg.d");
        Assert.Equal(["0", "0", "0", "mcastlab-slim"], listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // iperf was installed after the trim: dpkg's excludes kept its manual page out too.
        var iperfDocs = await fixture.RunWithEntrypointAsync(fixture.Iperf.References[0], "sh", "-c", "ls /usr/share/man/man1 2>/dev/null | wc -l; ls -A /var/lib/apt/lists | wc -l");
        Assert.Equal(["0", "0"], iperfDocs.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Rebuilding_an_unchanged_image_reuses_the_engine_cache()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var log = new CapturingLog();
        var again = await fixture.Builder(log).BuildAsync(fixture.IperfImage, fixture.Version, TestContext.Current.CancellationToken);
        Assert.Equal(fixture.Iperf.Id, again.Id);
        Assert.Contains(log.At("verbose"), l => l.Contains("Using cache", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains("apt-get update", StringComparison.Ordinal) && l.Contains("Running in", StringComparison.Ordinal));
        // Quiet: a warm build is one line, no step lines and none of the engine's stream.
        var shown = Assert.Single(log.At("information"));
        Assert.EndsWith("every step from the cache.", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_Dockerfile_step_surfaces_the_engine_message()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var directory = Directory.CreateDirectory(Path.Combine(fixture.Scratch, "broken")).FullName;
        var dockerfile = Path.Combine(directory, "Dockerfile");
        await File.WriteAllTextAsync(dockerfile, $"FROM {fixture.Parameters.Images.BaseImage}\nRUN echo mcastlab-broken-step >&2 && exit 7\n", TestContext.Current.CancellationToken);
        var image = new ContainerImage(fixture.Prefix + "/broken", dockerfile, new Dictionary<string, string>(), "broken", "a step that fails", "NOASSERTION");
        foreach (var tag in ImageBuilder.Tags(fixture.Version)) fixture.Track($"{fixture.RegistryAddress}/{image.Repository}:{tag}");

        var log = new CapturingLog();
        var error = await Assert.ThrowsAsync<PipelineException>(() => fixture.Builder(log).BuildAsync(image, fixture.Version, TestContext.Current.CancellationToken));

        Assert.Contains("returned a non-zero code: 7", error.Message, StringComparison.Ordinal);
        Assert.Contains(dockerfile, error.Message, StringComparison.Ordinal);
        // The step's output is replayed in full (it was only in the build's quiet log), the failed step named first.
        Assert.Contains(log.At("information"), line => line.StartsWith("  docker build ", StringComparison.Ordinal) && line.Contains(": RUN echo mcastlab-broken-step", StringComparison.Ordinal));
        Assert.Contains(log.At("error"), line => line.StartsWith($"docker build {image.Repository} failed; its output", StringComparison.Ordinal));
        Assert.Contains(log.At("information"), line => line.StartsWith("  | ", StringComparison.Ordinal) && line.Contains("mcastlab-broken-step", StringComparison.Ordinal) && !line.Contains("RUN", StringComparison.Ordinal));
        Assert.Empty(await fixture.Docker.Images.ListImagesAsync(new() { Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [$"{fixture.RegistryAddress}/{image.Repository}"] = true } } }, TestContext.Current.CancellationToken));
        // The failed step's container was removed (ForceRemove).
        var containers = await fixture.Docker.Containers.ListContainersAsync(new() { All = true }, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(containers, c => c.Command?.Contains("mcastlab-broken-step", StringComparison.Ordinal) == true);
    }
}
