using McastLab.Pipeline.Core;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Processes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>Every template with every var file, through the real `packer validate` (Debian's 1.6.6 here).</summary>
public sealed class PackerTemplateTests
{
    public static TheoryData<string, string, string> Boxes() => new()
    {
        { "centos7", "Docker", "virtualbox" },
        { "centos7", "K8s", "virtualbox" },
        { "rocky9", "Docker", "virtualbox" },
        { "rocky9", "K8s", "virtualbox" },
        { "centos7", "Docker", "libvirt" },
        { "centos7", "K8s", "libvirt" },
        { "rocky9", "Docker", "libvirt" },
        { "rocky9", "K8s", "libvirt" },
    };

    [Theory]
    [MemberData(nameof(Boxes))]
    public async Task Packer_validates_the_template_with_the_var_file_and_the_arguments_the_pipeline_passes(string os, string role, string provider)
    {
        Assert.SkipUnless(BoxTestContext.Has("packer"), "packer is not installed");
        var parameters = BoxTestContext.Parameters(("box-os", os), ("box-provider", provider));
        var layout = new BoxLayout(BoxTestContext.RepositoryRoot, parameters.Boxes);
        var boxRole = Enum.Parse<BoxRole>(role);
        var scratch = Directory.CreateTempSubdirectory("mcastlab-packer-");
        try
        {
            // The k8s box derives from a docker box file, which must exist when Packer validates.
            var dockerBox = Path.Combine(scratch.FullName, "docker.box");
            await File.WriteAllTextAsync(dockerBox, "stand-in for the docker box", TestContext.Current.CancellationToken);
            BoxSource source = boxRole == BoxRole.Docker
                ? new BoxSource.Catalog(parameters.Boxes.Pins.BaseBoxVersion)
                : new BoxSource.File(dockerBox, Sha256.OfFile(dockerBox));
            var arguments = new PackerArguments(layout, parameters.Boxes)
                .Validate(boxRole, layout.TemplatesDirectory, source, Path.Combine(scratch.FullName, "out"));

            var result = await BoxTestContext.Runner().RunAsync("packer", arguments,
                new ProcessOptions { AllowFailure = true, WorkingDirectory = scratch.FullName }, TestContext.Current.CancellationToken);

            Assert.True(result.ExitCode == 0, $"packer validate failed:\n{result.StandardOutput}{result.StandardError}");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("centos7/docker.pkrvars.hcl")]
    [InlineData("centos7/k8s.pkrvars.hcl")]
    [InlineData("rocky9/docker.pkrvars.hcl")]
    [InlineData("rocky9/k8s.pkrvars.hcl")]
    public async Task Packer_validates_the_template_with_only_the_var_file_as_a_person_would_run_it(string varFile)
    {
        Assert.SkipUnless(BoxTestContext.Has("packer"), "packer is not installed");
        var templates = Path.Combine(BoxTestContext.RepositoryRoot, "packer", "templates");

        var result = await BoxTestContext.Runner().RunAsync("packer",
            ["validate", "-var-file=" + Path.Combine(BoxTestContext.RepositoryRoot, "packer", "vars", varFile), "."],
            new ProcessOptions { AllowFailure = true, WorkingDirectory = templates }, TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, $"packer validate failed:\n{result.StandardOutput}{result.StandardError}");
    }

    [Fact]
    public async Task Packer_rejects_a_var_file_that_names_a_script_that_does_not_exist()
    {
        Assert.SkipUnless(BoxTestContext.Has("packer"), "packer is not installed");
        using var scratch = BoxTestContext.Scratch();
        var varFile = Path.Combine(scratch.Root, "packer", "vars", "centos7", "docker.pkrvars.hcl");
        await File.WriteAllTextAsync(varFile,
            (await File.ReadAllTextAsync(varFile, TestContext.Current.CancellationToken)).Replace("docker.sh", "no-such-script.sh", StringComparison.Ordinal),
            TestContext.Current.CancellationToken);

        var result = await BoxTestContext.Runner().RunAsync("packer", ["validate", "-var-file=" + varFile, "."],
            new ProcessOptions { AllowFailure = true, WorkingDirectory = Path.Combine(scratch.Root, "packer", "templates") }, TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no-such-script.sh", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plugins_block_stays_out_of_the_templates_that_Packer_1_6_reads()
    {
        var templates = Directory.EnumerateFiles(Path.Combine(BoxTestContext.RepositoryRoot, "packer", "templates"), "*.hcl");
        Assert.All(templates, file => Assert.DoesNotContain("required_plugins", File.ReadAllText(file), StringComparison.Ordinal));
        Assert.Contains("required_plugins", File.ReadAllText(Path.Combine(BoxTestContext.RepositoryRoot, "packer", "plugins", "plugins.pkr.hcl")), StringComparison.Ordinal);
    }
}
