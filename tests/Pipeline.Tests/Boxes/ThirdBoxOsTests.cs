using System.Text.Json.Nodes;
using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>
/// A third box OS is one record, its pins in mcastlab.json, one packer/vars/OS/ folder and the scripts it names:
/// a made-up AlmaLinux 9 goes through parameters, box names, Packer's arguments and the real `packer validate`,
/// and an OS whose pins were not added stops at start-up.
/// </summary>
public sealed class ThirdBoxOsTests
{
    private static readonly BoxOs Alma9 = new("alma9", "AlmaLinux 9", "almalinux/9", "el9")
    {
        KubernetesMinorMax = (40, "a limit only this test knows"),
    };

    private static readonly IReadOnlyList<BoxOs> WithAlma = [.. BoxOs.All, Alma9];

    private static readonly Dictionary<string, string> AlmaPins = new(StringComparer.Ordinal)
    {
        ["alma9-box-version"] = "9.5.20241203",
        ["docker-ce-alma9-version"] = "27.5.1",
        ["containerd-io-alma9-version"] = "1.7.25",
        ["kubernetes-minor-alma9"] = "1.35",
    };

    [Fact]
    public async Task A_third_OS_is_one_record_its_pins_and_its_var_folder_and_packer_validates_both_of_its_boxes()
    {
        Assert.SkipUnless(BoxTestContext.Has("packer"), "packer is not installed");
        using var scratch = BoxTestContext.Scratch();
        AddPins(scratch, AlmaPins);
        AddVarFolder(scratch);

        var parameters = Resolve(scratch, ("box-os", "alma9"));

        var boxes = parameters.Boxes;
        Assert.Same(Alma9, boxes.Os);
        Assert.Equal(new OsPins("9.5.20241203", "27.5.1", "1.7.25", "1.35"), boxes.Pins);
        Assert.Equal(("docker-alma9", "k8s-alma9"), (boxes.BoxName(BoxRole.Docker), boxes.BoxName(BoxRole.K8s)));
        Assert.Equal("k8s-alma9", LabMachines.From(parameters).K8s.Box);
        Assert.Contains(parameters.Describe(), d => d.Name == "docker-ce-alma9-version" && d.Description == "Docker CE on AlmaLinux 9.");
        var layout = scratch.Layout(parameters);
        Assert.Equal(Path.Combine(scratch.Root, "packer", "vars", "alma9", "k8s.pkrvars.hcl"), layout.VarFile(BoxRole.K8s));

        var output = Path.Combine(scratch.Root, "out");
        var dockerBox = Path.Combine(scratch.Root, "docker.box");
        await File.WriteAllTextAsync(dockerBox, "stand-in for the docker box", TestContext.Current.CancellationToken);
        foreach (var (role, source) in new (BoxRole, BoxSource)[]
                 {
                     (BoxRole.Docker, new BoxSource.Catalog(boxes.Pins.BaseBoxVersion)),
                     (BoxRole.K8s, new BoxSource.File(dockerBox, Sha256.OfFile(dockerBox))),
                 })
        {
            var arguments = new PackerArguments(layout, boxes).Validate(role, layout.TemplatesDirectory, source, output);
            Assert.Contains("kubernetes_minor_max=1.40", arguments);
            Assert.Contains("docker_ce_version=27.5.1", arguments);

            var result = await BoxTestContext.Runner().RunAsync("packer", arguments,
                new ProcessOptions { AllowFailure = true, WorkingDirectory = scratch.Root }, TestContext.Current.CancellationToken);

            Assert.True(result.ExitCode == 0, $"packer validate of the {role} box of alma9 failed:\n{result.StandardOutput}{result.StandardError}");
        }
    }

    [Fact]
    public void The_third_OS_is_held_to_its_own_Kubernetes_limit()
    {
        using var scratch = BoxTestContext.Scratch();
        AddPins(scratch, AlmaPins);

        var error = Assert.Throws<ParameterException>(() => Resolve(scratch, ("box-os", "alma9"), ("kubernetes-minor-alma9", "1.41")));

        Assert.Equal("Parameter --kubernetes-minor-alma9 must be 1.40 or older on AlmaLinux 9 (a limit only this test knows) (got '1.41' from the command line).", error.Message);
    }

    [Theory]
    [InlineData("alma9")]
    [InlineData("centos7")] // the OS without its pins need not be the one chosen: the record is incomplete
    public void An_OS_record_whose_pin_is_missing_stops_at_start_up_naming_the_pin(string chosen)
    {
        using var scratch = BoxTestContext.Scratch();
        AddPins(scratch, AlmaPins.Where(p => p.Key != "containerd-io-alma9-version").ToDictionary());

        var error = Assert.Throws<ParameterException>(() => Resolve(scratch, ("box-os", chosen)));

        Assert.Equal("The box OS alma9 has no pin containerd-io-alma9-version; add \"containerd-io-alma9-version\" to section \"versions\" of mcastlab.json (empty if that OS is not built here).", error.Message);
    }

    [Fact]
    public void A_pin_left_empty_stops_start_up_only_when_its_OS_is_chosen()
    {
        using var scratch = BoxTestContext.Scratch();
        AddPins(scratch, new Dictionary<string, string>(AlmaPins) { ["docker-ce-alma9-version"] = "" });

        Assert.Equal("centos7", Resolve(scratch, ("box-os", "centos7")).Boxes.Os.Name);
        var error = Assert.Throws<ParameterException>(() => Resolve(scratch, ("box-os", "alma9")));
        Assert.StartsWith("Parameter --docker-ce-alma9-version has no value;", error.Message, StringComparison.Ordinal);
    }

    private static BuildParameters Resolve(ScratchRepository scratch, params (string Name, string Value)[] commandLine) =>
        BuildParameters.Resolve(scratch.Root, commandLine.ToDictionary(p => p.Name, p => p.Value), _ => null, new SecretMasker(), WithAlma);

    private static void AddPins(ScratchRepository scratch, IReadOnlyDictionary<string, string> pins)
    {
        var path = Path.Combine(scratch.Root, ParametersFile.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        foreach (var (name, value) in pins) json["versions"]![name] = value;
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>
    /// The OS's var folder as a person adding a close relative of Rocky Linux 9 writes it: rocky9's, with the
    /// names, the os-release and the base box changed; the committed scripts, data for what differs.
    /// </summary>
    private static void AddVarFolder(ScratchRepository scratch)
    {
        var vars = Path.Combine(scratch.Root, "packer", "vars");
        var folder = Directory.CreateDirectory(Path.Combine(vars, "alma9")).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(vars, "rocky9")))
        {
            var text = File.ReadAllText(file)
                .Replace("rocky:9", "almalinux:9", StringComparison.Ordinal)
                .Replace("rockylinux/9", "almalinux/9", StringComparison.Ordinal)
                .Replace("rocky9", "alma9", StringComparison.Ordinal);
            Assert.DoesNotContain("rocky", text, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, Path.GetFileName(file)), text);
        }
        Assert.Equal(2, Directory.EnumerateFiles(folder).Count());
    }
}
