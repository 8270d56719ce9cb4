using System.Text.Json;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Boxes;

public sealed class BoxRegistrarTests
{
    [Fact]
    public async Task Both_boxes_are_added_with_force_through_catalogs_that_carry_url_and_sha256()
    {
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        var parameters = scratch.Parameters(("box-version", "1.2.3"));
        var layout = scratch.Layout(parameters);
        var runner = BoxTestContext.Runner(tools.Locator);
        var builder = new BoxBuilder(runner, new CapturingLog(), layout, parameters.Boxes);
        var docker = await builder.BuildAsync(BoxRole.Docker, TestContext.Current.CancellationToken);
        await builder.BuildAsync(BoxRole.K8s, TestContext.Current.CancellationToken);

        var catalogs = await new BoxRegistrar(runner, new CapturingLog(), layout, parameters.Boxes, VagrantArguments.From(parameters))
            .RegisterAsync(TestContext.Current.CancellationToken);

        Assert.Equal(
        [
            $"box add --force --provider virtualbox {layout.CatalogFile(BoxRole.Docker)}",
            $"box add --force --provider virtualbox {layout.CatalogFile(BoxRole.K8s)}",
        ], tools.Calls("vagrant").Where(c => c.StartsWith("box add", StringComparison.Ordinal)));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(catalogs[0], TestContext.Current.CancellationToken));
        var root = json.RootElement;
        Assert.Equal("docker-centos7", root.GetProperty("name").GetString());
        var version = Assert.Single(root.GetProperty("versions").EnumerateArray());
        Assert.Equal("1.2.3", version.GetProperty("version").GetString());
        var provider = Assert.Single(version.GetProperty("providers").EnumerateArray());
        Assert.Equal("virtualbox", provider.GetProperty("name").GetString());
        Assert.Equal(new Uri(layout.BoxFile(BoxRole.Docker)).AbsoluteUri, provider.GetProperty("url").GetString());
        Assert.StartsWith("file:///", provider.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Equal("sha256", provider.GetProperty("checksum_type").GetString());
        Assert.Equal(docker.Sha256, provider.GetProperty("checksum").GetString());
    }

    [Fact]
    public void A_catalog_lists_every_provider_built_for_the_box()
    {
        BoxMetadata Build(string provider, string version, int minute) => new()
        {
            Name = "k8s-rocky9", Version = version, Provider = provider, Os = "rocky9", BoxFile = $"k8s-rocky9.{provider}.box",
            Size = 1, Sha256 = new string(provider[0], 64), BuildTime = new DateTimeOffset(2026, 1, 1, 0, minute, 0, TimeSpan.Zero),
            BuildSeconds = 1, GitRevision = "abc", PackerVersion = "1.6.6", VagrantVersion = "Vagrant 2.3.4", SourceBox = "x", InputHash = "h",
        };

        var catalog = BoxCatalog.From([Build("virtualbox", "2", 5), Build("libvirt", "1", 1), Build("libvirt", "2", 6)], "/boxes");

        Assert.Equal(["1", "2"], catalog.Versions.Select(v => v.Version));
        Assert.Equal(["libvirt", "virtualbox"], catalog.Versions[1].Providers.Select(p => p.Name));
        Assert.Equal("file:///boxes/k8s-rocky9.libvirt.box", catalog.Versions[1].Providers[0].Url);
        Assert.Throws<ArgumentException>(() => BoxCatalog.From([Build("libvirt", "1", 1), Build("libvirt", "1", 1) with { Name = "other" }], "/boxes"));
    }

    [Fact]
    public void Registering_a_box_that_was_not_built_stops_with_what_to_run()
    {
        using var scratch = BoxTestContext.Scratch();
        var parameters = scratch.Parameters(("box-provider", "libvirt"));
        var layout = scratch.Layout(parameters);

        var error = Assert.Throws<PipelineException>(() =>
            new BoxRegistrar(BoxTestContext.Runner(), new CapturingLog(), layout, parameters.Boxes, VagrantArguments.From(parameters)).WriteCatalog(BoxRole.Docker));

        Assert.Equal($"docker-centos7 is not built for libvirt (no {layout.MetadataFile(BoxRole.Docker)}); run ./build.sh Boxes first.", error.Message);
    }
}
