using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// The argument lists of the vagrant commands the pipeline runs. The Vagrantfile takes its machines from
/// Vagrant/machines.json (<see cref="LabMachines"/>), not from the environment.
/// </summary>
public sealed class VagrantArguments(BoxSettings boxes)
{
    public static VagrantArguments From(BuildParameters parameters) => new(parameters.Boxes);

    public IReadOnlyList<string> BoxAdd(string catalogFile) =>
        ["box", "add", "--force", "--provider", BoxSettings.ProviderName(boxes.Provider), catalogFile];

    /// <summary>One machine after the other (the Vagrantfile says so too): workers join the cluster the k8s node made first.</summary>
    public IReadOnlyList<string> Up() => ["up", "--no-parallel", "--provider", BoxSettings.ProviderName(boxes.Provider)];

    /// <summary>Checks the Vagrantfile without a usable provider (no VirtualBox or libvirt plugin needed).</summary>
    public static IReadOnlyList<string> Validate() => ["validate", "--ignore-provider"];

    public static IReadOnlyList<string> Version() => ["--version"];

    public static IReadOnlyList<string> SshConfig(string machine) => ["ssh-config", machine];

    /// <summary>`vagrant ssh` runs one command line in the VM's login shell; the pipeline builds it from fixed parts.</summary>
    public static IReadOnlyList<string> Ssh(string machine, string command) => ["ssh", machine, "--no-tty", "-c", command];

    public static IReadOnlyList<string> Upload(string source, string destination, string machine) => ["upload", source, destination, machine];
}
