using System.Text.Json.Nodes;
using McastLab.Pipeline.Boxes;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>The Vagrant lab's machines as the pipeline hands them to the Vagrantfile (Vagrant/machines.json).</summary>
public sealed class LabMachinesTests
{
    [Fact]
    public void The_committed_machines_json_is_what_the_default_parameters_generate()
    {
        var file = LabMachines.From(BoxTestContext.Parameters()).File();
        Assert.True(File.ReadAllText(Path.Combine(BoxTestContext.RepositoryRoot, file.Path)) == file.Content,
            $"{file.Path} differs from what the generator writes; run ./build.sh Manifests and commit it.");
    }

    [Fact]
    public void The_k8s_node_comes_first_then_mcastsrc_then_the_workers_on_consecutive_addresses()
    {
        var parameters = BoxTestContext.Parameters(("workers", "2"), ("box-os", "rocky9"), ("k8s-address", "10.0.0.9"), ("worker-address-start", "10.0.0.5"));

        var machines = LabMachines.From(parameters);

        Assert.Equal(
        [
            ("k8s", "10.0.0.9", "k8s-rocky9", FirstBoot.ClusterInit),
            ("mcastsrc", "10.0.0.12", "docker-rocky9", FirstBoot.Nothing),
            ("worker1", "10.0.0.5", "k8s-rocky9", FirstBoot.ClusterJoin),
            ("worker2", "10.0.0.6", "k8s-rocky9", FirstBoot.ClusterJoin),
        ], machines.All.Select(m => (m.Name, m.Address.ToString(), m.Box, m.FirstBoot)));
        Assert.Equal(["k8s", "worker1", "worker2"], machines.Nodes.Select(m => m.Name));
        Assert.Equal("10.0.0.9:6443", machines.ControlPlane);
    }

    [Fact]
    public void The_first_boot_scripts_get_the_addresses_names_and_pins_of_the_parameters()
    {
        var parameters = BoxTestContext.Parameters(("workers", "1"), ("interface", "enp0s8"), ("pod-cidr", "10.32.0.0/16"));
        var flannel = parameters.ClusterAddons.Flannel;

        var machines = LabMachines.From(parameters);

        Assert.Equal(
            ["--advertise-address", "10.0.0.11", "--node-name", "k8s", "--interface", "enp0s8", "--pod-cidr", "10.32.0.0/16",
             "--flannel-url", flannel.Url.ToString(), "--flannel-sha256", flannel.Sha256],
            machines.K8s.FirstBootArguments);
        Assert.Empty(machines.Mcastsrc.FirstBootArguments);
        Assert.Equal(["--control-plane", "10.0.0.11:6443", "--node-ip", "10.0.0.2", "--node-name", "worker1"], Assert.Single(machines.Workers).FirstBootArguments);
    }

    [Fact]
    public void The_file_names_its_generator_and_spells_what_the_Vagrantfile_reads()
    {
        var file = LabMachines.From(BoxTestContext.Parameters(("workers", "1"))).File();

        Assert.Equal("Vagrant/machines.json", file.Path);
        var json = JsonNode.Parse(file.Content)!;
        Assert.StartsWith("./build.sh Manifests", json["generatedBy"]!.GetValue<string>(), StringComparison.Ordinal);
        var worker = json["machines"]![2]!;
        Assert.Equal("""{"name":"worker1","address":"10.0.0.2","box":"k8s-centos7","memoryMiB":2048,"cpus":2,"firstBoot":"cluster-join","firstBootArguments":["--control-plane","10.0.0.11:6443","--node-ip","10.0.0.2","--node-name","worker1"]}""",
            worker.ToJsonString());
        Assert.Equal("nothing", json["machines"]![1]!["firstBoot"]!.GetValue<string>());
    }
}
