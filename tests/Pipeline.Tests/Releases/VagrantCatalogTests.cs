using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Releases;

/// <summary>
/// The published catalog, checked by the real Vagrant: `vagrant box add ./metadata.json` downloads the box from
/// the release URL and verifies its sha256; the same catalog given as a release URL (octet-stream) is refused.
/// </summary>
public sealed class VagrantCatalogTests(ITestOutputHelper output) : IDisposable
{
    private readonly PublishWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    [Fact]
    public async Task Vagrant_adds_a_published_box_from_the_downloaded_catalog()
    {
        var runner = new ProcessRunner(workspace.Log, new SecretMasker());
        Assert.SkipUnless(runner.Locator.Find("vagrant") is not null, "vagrant is not installed");
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        await workspace.Publisher(stub, "v1.2.0").PublishAsync(TestContext.Current.CancellationToken);
        var catalog = Path.Combine(workspace.Root, "docker-centos7.metadata.json");
        File.WriteAllText(catalog, stub.Release("v1.2.0").Assets.Single(a => a.Name == "docker-centos7.metadata.json").Text);
        var options = new ProcessOptions
        {
            WorkingDirectory = workspace.Root,
            Environment = new Dictionary<string, string?>
            {
                ["VAGRANT_HOME"] = Path.Combine(workspace.Root, "vagrant-home"),
                ["VAGRANT_CHECKPOINT_DISABLE"] = "1",
            },
            Timeout = TimeSpan.FromMinutes(3),
            AllowFailure = true,
        };

        var add = await runner.RunAsync("vagrant", ["box", "add", "./docker-centos7.metadata.json"], options, TestContext.Current.CancellationToken);
        Assert.True(add.ExitCode == 0, add.StandardOutput + add.StandardError);
        var list = await runner.RunAsync("vagrant", ["box", "list"], options, TestContext.Current.CancellationToken);

        Assert.Contains("mcastlab/docker-centos7 (virtualbox, 1.2.0)", list.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vagrant_refuses_the_catalog_as_a_release_URL_because_it_is_served_as_octet_stream()
    {
        var runner = new ProcessRunner(workspace.Log, new SecretMasker());
        Assert.SkipUnless(runner.Locator.Find("vagrant") is not null, "vagrant is not installed");
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        await workspace.Publisher(stub, "v1.2.0").PublishAsync(TestContext.Current.CancellationToken);
        var url = new Uri(stub.BaseUrl, "octo-org/mcastlab/releases/download/v1.2.0/docker-centos7.metadata.json").AbsoluteUri;
        var options = new ProcessOptions
        {
            WorkingDirectory = workspace.Root,
            Environment = new Dictionary<string, string?>
            {
                ["VAGRANT_HOME"] = Path.Combine(workspace.Root, "vagrant-home"),
                ["VAGRANT_CHECKPOINT_DISABLE"] = "1",
            },
            Timeout = TimeSpan.FromMinutes(3),
            AllowFailure = true,
        };

        var add = await runner.RunAsync("vagrant", ["box", "add", "--name", "mcastlab/docker-centos7", url], options, TestContext.Current.CancellationToken);
        var list = await runner.RunAsync("vagrant", ["box", "list"], options, TestContext.Current.CancellationToken);

        output.WriteLine(add.StandardOutput + add.StandardError);
        Assert.NotEqual(0, add.ExitCode);
        // Vagrant decides by Content-Type: octet-stream is taken for a box file, which then fails to unpack.
        Assert.Contains("Box file was not detected as metadata", add.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("(virtualbox, 1.2.0)", list.StandardOutput, StringComparison.Ordinal);
    }
}
