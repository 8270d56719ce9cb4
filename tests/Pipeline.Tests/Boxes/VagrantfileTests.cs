using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>
/// The Vagrantfile through the real `vagrant validate` (no provider needed), fed the machines.json the pipeline
/// writes; the parameters' refusals are the pipeline's own (BoxSettingsTests), the Vagrantfile checks none.
/// </summary>
public sealed class VagrantfileTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("2")]
    public async Task Vagrant_validates_the_lab_the_Manifests_target_writes(string workers)
    {
        Assert.SkipUnless(BoxTestContext.Has("vagrant"), "vagrant is not installed");
        using var scratch = BoxTestContext.Scratch();
        var parameters = scratch.Parameters(("workers", workers));
        new ManifestWriter(new CapturingLog(), scratch.Root).Write([.. new LabManifests(parameters).Files(), LabMachines.From(parameters).File()]);

        var result = await ValidateAsync(scratch);

        Assert.True(result.ExitCode == 0, $"vagrant validate failed:\n{result.StandardOutput}{result.StandardError}");
        Assert.Contains("validated successfully", result.StandardOutput, StringComparison.Ordinal);
        // kubeadm init and join share the token the Vagrantfile made once for this lab.
        var token = await File.ReadAllTextAsync(Path.Combine(scratch.Root, "Vagrant", ".vagrant", "mcastlab-bootstrap-token"), TestContext.Current.CancellationToken);
        Assert.Matches("^[a-z0-9]{6}\\.[a-z0-9]{16}\n$", token);
    }

    [Fact]
    public async Task Without_machines_json_vagrant_says_to_write_it_with_the_Manifests_target()
    {
        Assert.SkipUnless(BoxTestContext.Has("vagrant"), "vagrant is not installed");
        using var scratch = BoxTestContext.Scratch();
        File.Delete(Path.Combine(scratch.Root, LabMachines.FilePath));

        var result = await ValidateAsync(scratch);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("machines.json cannot be read (No such file or directory", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.Contains("write it with ./build.sh Manifests", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    private static Task<ProcessResult> ValidateAsync(ScratchRepository scratch) =>
        BoxTestContext.Runner().RunAsync("vagrant", VagrantArguments.Validate(),
            new ProcessOptions { AllowFailure = true, WorkingDirectory = Path.Combine(scratch.Root, "Vagrant") },
            TestContext.Current.CancellationToken);

    [Fact]
    public async Task LabUp_writes_the_machines_of_its_parameters_and_they_come_up_one_after_the_other_with_the_k8s_node_first()
    {
        Assert.SkipUnless(BoxTestContext.Has("ruby"), "ruby (vagrant's) is not installed");
        using var scratch = BoxTestContext.Scratch();
        using var tools = new FakeTools();
        tools.Write("vagrant", FakeVagrantBoxes.Script);
        FakeVagrantBoxes.Install(tools, "k8s-centos7", "1", "k8s box");
        var parameters = scratch.Parameters(("workers", "2"));
        var lab = new VagrantLab(BoxTestContext.Runner(tools.Locator), new CapturingLog(), scratch.Layout(parameters), parameters);

        // The stand-in evaluates the real Vagrantfile, records its machines and VAGRANT_NO_PARALLEL, and fails: no VM boots here.
        await Assert.ThrowsAsync<ProcessFailedException>(() => lab.UpAsync(TestContext.Current.CancellationToken));

        Assert.Equal("k8s mcastsrc worker1 worker2\nVAGRANT_NO_PARALLEL=yes\n", File.ReadAllText(Path.Combine(tools.Directory, "machines")));
        Assert.Equal("k8s-centos7 1: k8s box", FakeVagrantBoxes.Booted(tools));
        Assert.Equal(LabMachines.From(parameters).ToJson(), File.ReadAllText(Path.Combine(scratch.Root, LabMachines.FilePath)));
    }
}
