using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>The Vagrantfile through the real `vagrant validate` (no provider needed), fed as the pipeline feeds it.</summary>
public sealed class VagrantfileTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public async Task Vagrant_validates_the_lab_with_the_environment_the_pipeline_passes(string workers)
    {
        Assert.SkipUnless(BoxTestContext.Has("vagrant"), "vagrant is not installed");
        using var scratch = BoxTestContext.Scratch();

        var result = await ValidateAsync(scratch, ("workers", workers));

        Assert.True(result.ExitCode == 0, $"vagrant validate failed:\n{result.StandardOutput}{result.StandardError}");
        Assert.Contains("validated successfully", result.StandardOutput, StringComparison.Ordinal);
        // kubeadm init and join share the token the Vagrantfile made once for this lab.
        var token = await File.ReadAllTextAsync(Path.Combine(scratch.Root, "Vagrant", ".vagrant", "mcastlab-bootstrap-token"), TestContext.Current.CancellationToken);
        Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}\n$", token);
    }

    [Fact]
    public async Task Vagrant_refuses_workers_whose_addresses_fall_into_the_pods_IPAM_range()
    {
        Assert.SkipUnless(BoxTestContext.Has("vagrant"), "vagrant is not installed");
        using var scratch = BoxTestContext.Scratch();
        var parameters = scratch.Parameters(("workers", "2"));
        var environment = new Dictionary<string, string?>(VagrantArguments.From(parameters).Environment(Path.Combine(scratch.Root, ParametersFile.FileName)))
        {
            ["MCASTLAB_WORKER_ADDRESS_START"] = "10.0.0.100",
        };

        var result = await BoxTestContext.Runner().RunAsync("vagrant", VagrantArguments.Validate(),
            new ProcessOptions { AllowFailure = true, WorkingDirectory = Path.Combine(scratch.Root, "Vagrant"), Environment = environment },
            TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("from the pods' IPAM range", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Vagrantfile_reads_its_boxes_and_addresses_from_the_parameters_file()
    {
        Assert.SkipUnless(BoxTestContext.Has("vagrant"), "vagrant is not installed");
        using var scratch = BoxTestContext.Scratch();
        var file = Path.Combine(scratch.Root, ParametersFile.FileName);
        await File.WriteAllTextAsync(file,
            (await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken)).Replace("\"box-os\": \"centos7\"", "\"box-os\": \"windows\"", StringComparison.Ordinal),
            TestContext.Current.CancellationToken);

        var result = await BoxTestContext.Runner().RunAsync("vagrant", VagrantArguments.Validate(),
            new ProcessOptions
            {
                AllowFailure = true,
                WorkingDirectory = Path.Combine(scratch.Root, "Vagrant"),
                Environment = new Dictionary<string, string?> { ["MCASTLAB_PARAMETERS_FILE"] = file },
            },
            TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--box-os must be centos7 or rocky9 (got 'windows')", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    private static Task<ProcessResult> ValidateAsync(ScratchRepository scratch, params (string, string)[] commandLine)
    {
        var parameters = scratch.Parameters(commandLine);
        var lab = new VagrantLab(BoxTestContext.Runner(), new CapturingLog(), scratch.Layout(parameters), parameters);
        return BoxTestContext.Runner().RunAsync("vagrant", VagrantArguments.Validate(), lab.Options(new ProcessOptions { AllowFailure = true }),
            TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_lab_comes_up_one_machine_after_the_other_with_the_k8s_node_first()
    {
        Assert.SkipUnless(BoxTestContext.Has("ruby"), "ruby (vagrant's) is not installed");
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        tools.Write("vagrant", FakeVagrantBoxes.Script);
        FakeVagrantBoxes.Install(tools, "k8s-centos7", "1", "k8s box");
        var parameters = scratch.Parameters(("workers", "2"));
        var environment = new Dictionary<string, string?>(VagrantArguments.From(parameters).Environment(Path.Combine(scratch.Root, ParametersFile.FileName)))
        {
            ["VAGRANT_NO_PARALLEL"] = null,
        };

        // The stand-in evaluates the real Vagrantfile and records its machines and VAGRANT_NO_PARALLEL.
        await BoxTestContext.Runner(tools.Locator).RunAsync("vagrant", ["up", "k8s"],
            new ProcessOptions { AllowFailure = true, WorkingDirectory = Path.Combine(scratch.Root, "Vagrant"), Environment = environment },
            TestContext.Current.CancellationToken);

        Assert.Equal("k8s mcastsrc worker1 worker2\nVAGRANT_NO_PARALLEL=yes\n", File.ReadAllText(Path.Combine(tools.Directory, "machines")));
    }
}
