using System.Text.Json;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Boxes;

public sealed class BoxBuilderTests
{
    private static readonly DateTimeOffset BuildTime = new(2026, 11, 28, 9, 30, 15, TimeSpan.Zero);

    [Fact]
    public async Task A_build_writes_the_box_and_its_metadata_and_removes_Packers_output_directory()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);
        var builder = new BoxBuilder(BoxTestContext.Runner(tools.Locator), new CapturingLog(), layout, parameters.Boxes, () => BuildTime);

        var metadata = await builder.BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);

        var box = layout.BoxFile(BoxRole.Docker);
        Assert.True(File.Exists(box));
        Assert.False(Directory.Exists(layout.BuildDirectory(BoxRole.Docker)));
        Assert.Equal("docker-centos7", metadata.Name);
        Assert.Equal("20261128.093015", metadata.Version);
        Assert.Equal("virtualbox", metadata.Provider);
        Assert.Equal(new FileInfo(box).Length, metadata.Size);
        Assert.Equal(Sha256.OfFile(box), metadata.Sha256);
        Assert.Equal("1.6.6", metadata.PackerVersion);
        Assert.Equal("Vagrant 2.3.4", metadata.VagrantVersion);
        Assert.Equal("centos/7", metadata.SourceBox);
        Assert.Equal("2004.01", metadata.SourceBoxVersion);
        Assert.Equal(metadata, BoxMetadata.TryRead(layout.MetadataFile(BoxRole.Docker)));
        Assert.Single(tools.Calls("packer"), c => c.StartsWith("build -force", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_metadata_file_holds_what_bento_keeps_in_snake_case()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);
        await new BoxBuilder(BoxTestContext.Runner(tools.Locator), new CapturingLog(), layout, parameters.Boxes, () => BuildTime)
            .BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(layout.MetadataFile(BoxRole.Docker), TestContext.Current.CancellationToken));

        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(
            ["name", "version", "provider", "os", "box_file", "size", "sha256", "build_time", "build_seconds", "git_revision",
             "packer_version", "vagrant_version", "source_box", "source_box_version", "input_hash"], names);
        Assert.Equal("docker-centos7.virtualbox.box", json.RootElement.GetProperty("box_file").GetString());
        Assert.Equal("2026-11-28T09:30:15+00:00", json.RootElement.GetProperty("build_time").GetString());
    }

    [Fact]
    public async Task An_unchanged_box_is_skipped_without_running_Packer()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);
        var log = new CapturingLog();
        var builder = new BoxBuilder(BoxTestContext.Runner(tools.Locator), log, layout, parameters.Boxes, () => BuildTime);
        var first = await builder.BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);

        var second = await builder.BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);

        Assert.Equal(first, second);
        Assert.Single(tools.Calls("packer"), c => c.StartsWith("build", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("docker-centos7 (virtualbox) is up to date", StringComparison.Ordinal));
    }

    public static TheoryData<string> Changes() => new()
    {
        "script",
        "template",
        "var file",
        "pin",
        "containerd pin",
        "truncated box",
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_changed_input_or_a_damaged_box_builds_again(string change)
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);
        await new BoxBuilder(BoxTestContext.Runner(tools.Locator), new CapturingLog(), layout, parameters.Boxes, () => BuildTime)
            .BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);

        switch (change)
        {
            case "script": File.AppendAllText(Path.Combine(layout.ScriptsDirectory, "docker.sh"), "# changed\n"); break;
            case "template": File.AppendAllText(Path.Combine(layout.TemplatesDirectory, "sources.pkr.hcl"), "# changed\n"); break;
            case "var file": File.AppendAllText(layout.VarFile(BoxRole.Docker), "# changed\n"); break;
            case "truncated box": File.WriteAllText(layout.BoxFile(BoxRole.Docker), "x"); break;
        }
        if (change == "pin") parameters = scratch.Parameters(("docker-ce-centos7-version", "26.1.3"));
        if (change == "containerd pin") parameters = scratch.Parameters(("containerd-io-centos7-version", "1.6.32"));

        await new BoxBuilder(BoxTestContext.Runner(tools.Locator), new CapturingLog(), scratch.Layout(parameters), parameters.Boxes, () => BuildTime)
            .BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);

        Assert.Equal(2, tools.Calls("packer").Count(c => c.StartsWith("build", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_k8s_box_derives_from_the_docker_box_file_and_rebuilds_when_that_changes()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);
        var builder = new BoxBuilder(BoxTestContext.Runner(tools.Locator), new CapturingLog(), layout, parameters.Boxes, () => BuildTime);
        var docker = await builder.BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);

        var k8s = await builder.BuildAsync(BoxRole.K8s, TestContext.Current.CancellationToken);
        var sameInputs = await builder.BuildAsync(BoxRole.K8s, TestContext.Current.CancellationToken);

        var k8sBuild = tools.Calls("packer").Single(c => c.Contains("k8s.pkrvars.hcl", StringComparison.Ordinal));
        Assert.Contains($"source_box={layout.BoxFile(BoxRole.Docker)}", k8sBuild, StringComparison.Ordinal);
        Assert.Contains($"source_box_checksum={docker.Sha256}", k8sBuild, StringComparison.Ordinal);
        Assert.Equal("docker-centos7.virtualbox.box", k8s.SourceBox);
        Assert.Equal(k8s, sameInputs);

        // A new docker box (another sha256) makes the k8s box stale.
        File.AppendAllText(Path.Combine(layout.ScriptsDirectory, "docker.sh"), "# changed\n");
        await builder.BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);
        var inputs = new BoxInputs(layout, parameters.Boxes);
        Assert.NotEqual(k8s.InputHash, inputs.Hash(BoxRole.K8s, Sha256.OfFile(layout.BoxFile(BoxRole.Docker))) );
    }

    [Fact]
    public async Task The_k8s_box_without_a_docker_box_stops_with_what_to_run()
    {
        using var scratch = BoxTestContext.Scratch();
        var parameters = scratch.Parameters();
        var builder = new BoxBuilder(BoxTestContext.Runner(new ProgramLocator("")), new CapturingLog(), scratch.Layout(parameters), parameters.Boxes);

        var error = await Assert.ThrowsAsync<PipelineException>(() => builder.BuildAsync(BoxRole.K8s, TestContext.Current.CancellationToken));

        Assert.Equal("The k8s box derives from docker-centos7, which is not built for virtualbox yet; run ./build.sh Boxes.", error.Message);
    }

    [Fact]
    public async Task A_failed_Packer_build_leaves_no_metadata_and_no_output_directory()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        File.WriteAllText(Path.Combine(tools.Directory, "packer"), "#!/usr/bin/env bash\nif [[ $1 == version ]]; then echo 'Packer v1.6.6'; exit 0; fi\nfor a in \"$@\"; do case $a in output_directory=*) mkdir -p \"${a#output_directory=}\";; esac; done\nexit 1\n");
        var parameters = scratch.Parameters();
        var layout = scratch.Layout(parameters);

        await Assert.ThrowsAsync<ProcessFailedException>(() =>
            new BoxBuilder(BoxTestContext.Runner(tools.Locator), new CapturingLog(), layout, parameters.Boxes).BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken));

        Assert.False(File.Exists(layout.MetadataFile(BoxRole.Docker)));
        Assert.False(Directory.Exists(layout.BuildDirectory(BoxRole.Docker)));
    }
}
