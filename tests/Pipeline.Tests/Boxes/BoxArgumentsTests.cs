using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Boxes;

public sealed class BoxArgumentsTests
{
    [Fact]
    public void The_docker_box_is_built_from_the_pinned_base_box_with_the_pins_of_its_OS()
    {
        var parameters = BoxTestContext.Parameters(("box-os", "centos7"));
        var layout = new BoxLayout("/repo", parameters.Boxes);

        var arguments = new PackerArguments(layout, parameters.Boxes).Build(BoxRole.Docker, "/repo/packer/templates", new BoxSource.Catalog("2004.01"));

        Assert.Equal(
        [
            "build", "-force", "-color=false",
            "-var-file=/repo/packer/vars/centos7/docker.pkrvars.hcl",
            "-var", "provider=virtualbox",
            "-var", "output_directory=/repo/artifacts/boxes/build-docker-centos7-virtualbox",
            "-var", "scripts_directory=/repo/packer/scripts",
            "-var", "docker_ce_version=26.1.4",
            "-var", "containerd_io_version=1.6.33",
            "-var", "kubernetes_minor=1.34",
            "-var", "kubernetes_minor_max=1.34",
            "-var", "source_box_version=2004.01",
            "/repo/packer/templates",
        ], arguments);
    }

    [Fact]
    public void The_k8s_box_is_built_from_the_docker_box_file_with_its_sha256()
    {
        var parameters = BoxTestContext.Parameters(("box-os", "rocky9"), ("box-provider", "libvirt"));
        var layout = new BoxLayout("/repo", parameters.Boxes);
        var sha = new string('a', 64);

        var arguments = new PackerArguments(layout, parameters.Boxes)
            .Build(BoxRole.K8s, "/staged", new BoxSource.File("/repo/artifacts/boxes/docker-rocky9.libvirt.box", sha));

        Assert.Contains("-var-file=/repo/packer/vars/rocky9/k8s.pkrvars.hcl", arguments);
        Assert.Contains("provider=libvirt", arguments);
        Assert.Contains("kubernetes_minor=1.35", arguments);
        Assert.Contains("docker_ce_version=27.5.1", arguments);
        Assert.Contains("containerd_io_version=1.7.25", arguments);
        Assert.Contains("source_box=/repo/artifacts/boxes/docker-rocky9.libvirt.box", arguments);
        Assert.Contains("source_box_checksum=" + sha, arguments);
        Assert.DoesNotContain(arguments, a => a.StartsWith("source_box_version=", StringComparison.Ordinal));
        Assert.Equal("/staged", arguments[^1]);
    }

    [Fact]
    public void An_unpinned_base_box_is_refused_with_one_sentence_and_a_pinned_one_is_passed()
    {
        var error = Assert.Throws<ParameterException>(() => BoxTestContext.Parameters(("box-os", "rocky9"), ("rocky9-box-version", "")));
        Assert.StartsWith("Parameter --rocky9-box-version has no value;", error.Message, StringComparison.Ordinal);

        var parameters = BoxTestContext.Parameters(("box-os", "rocky9"));
        var arguments = new PackerArguments(new BoxLayout("/repo", parameters.Boxes), parameters.Boxes)
            .Build(BoxRole.Docker, "/t", new BoxSource.Catalog(parameters.Boxes.Pins.BaseBoxVersion));
        Assert.Contains("source_box_version=" + BoxTestContext.RockyStandInVersion, arguments);
    }

    [Fact]
    public void Vagrant_registers_a_box_through_its_catalog_for_the_chosen_provider_and_replaces_an_older_one()
    {
        var parameters = BoxTestContext.Parameters(("box-provider", "libvirt"));

        var arguments = VagrantArguments.From(parameters).BoxAdd("/repo/artifacts/boxes/k8s-centos7/metadata.json");

        Assert.Equal(["box", "add", "--force", "--provider", "libvirt", "/repo/artifacts/boxes/k8s-centos7/metadata.json"], arguments);
    }

    [Fact]
    public void Vagrant_brings_the_machines_up_one_after_the_other_with_the_chosen_provider()
    {
        var parameters = BoxTestContext.Parameters(("box-provider", "libvirt"));

        Assert.Equal(["up", "--no-parallel", "--provider", "libvirt"], VagrantArguments.From(parameters).Up());
    }

    [Fact]
    public void Packer_1_7_and_newer_get_the_plugins_file_and_1_6_does_not()
    {
        Assert.False(PackerVersion.Parse("Packer v1.6.6\n").SupportsRequiredPlugins);
        Assert.True(PackerVersion.Parse("Packer v1.9.4\n\nYour version of Packer is out of date!").SupportsRequiredPlugins);
        Assert.True(PackerVersion.Parse("1.11.2").SupportsRequiredPlugins);
        Assert.Throws<McastLab.Pipeline.Core.PipelineException>(() => PackerVersion.Parse("command not found"));
    }

    [Fact]
    public void Scp_reads_the_kubeconfig_from_where_vagrant_ssh_config_says_the_VM_is()
    {
        var endpoint = SshEndpoint.Parse("""
            Host k8s
              HostName 127.0.0.1
              User vagrant
              Port 2222
              UserKnownHostsFile /dev/null
              IdentityFile "/home/me/lab/.vagrant/machines/k8s/virtualbox/private_key"
              IdentitiesOnly yes
            """);

        var arguments = endpoint.ScpArguments(".kube/config", "/tmp/kubeconfig");

        Assert.Equal(new SshEndpoint("127.0.0.1", 2222, "vagrant", "/home/me/lab/.vagrant/machines/k8s/virtualbox/private_key"), endpoint);
        Assert.Equal("vagrant@127.0.0.1:.kube/config", arguments[^2]);
        Assert.Equal(["-q", "-P", "2222", "-i", endpoint.IdentityFile], arguments.Take(5));
    }

    [Fact]
    public void The_kubeconfig_server_is_pointed_at_the_k8s_node_on_the_segment()
    {
        const string Kubeconfig = "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: AAAA\n    server: https://10.0.2.15:6443\n  name: kubernetes\n";

        var rewritten = VagrantLab.WithServer(Kubeconfig, "https://10.0.0.11:6443");

        Assert.Contains("    server: https://10.0.0.11:6443\n", rewritten, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.2.15", rewritten, StringComparison.Ordinal);
        Assert.Throws<McastLab.Pipeline.Core.PipelineException>(() => VagrantLab.WithServer("apiVersion: v1\n", "https://10.0.0.11:6443"));
    }
}
