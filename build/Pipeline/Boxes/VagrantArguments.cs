using System.Globalization;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// The argument lists of the vagrant commands the pipeline runs, and the environment that hands the resolved
/// parameters to the Vagrantfile (it reads MCASTLAB_* before mcastlab.json, as the pipeline does).
/// </summary>
public sealed class VagrantArguments(BoxSettings boxes, LabSettings lab, ClusterAddonPins addons)
{
    public static VagrantArguments From(BuildParameters parameters) => new(parameters.Boxes, parameters.Lab, parameters.ClusterAddons);

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

    public IReadOnlyDictionary<string, string?> Environment(string parametersFile) => new Dictionary<string, string?>
    {
        ["MCASTLAB_PARAMETERS_FILE"] = parametersFile,
        ["MCASTLAB_BOX_OS"] = BoxSettings.OsName(boxes.Os),
        ["MCASTLAB_WORKERS"] = boxes.Workers.ToString(CultureInfo.InvariantCulture),
        ["MCASTLAB_WORKER_ADDRESS_START"] = boxes.WorkerAddressStart.ToString(),
        ["MCASTLAB_K8S_HOST"] = boxes.K8sHost,
        ["MCASTLAB_MCASTSRC_HOST"] = boxes.McastsrcHost,
        ["MCASTLAB_POD_CIDR"] = boxes.PodCidr,
        ["MCASTLAB_FLANNEL_MANIFEST_URL"] = addons.Flannel.Url.ToString(),
        ["MCASTLAB_FLANNEL_MANIFEST_SHA256"] = addons.Flannel.Sha256,
        ["MCASTLAB_SUBNET"] = lab.Subnet.ToString(),
        ["MCASTLAB_K8S_ADDRESS"] = lab.K8sAddress.ToString(),
        ["MCASTLAB_MCASTSRC_ADDRESS"] = lab.McastsrcAddress.ToString(),
        ["MCASTLAB_INTERFACE"] = lab.Interface,
    };
}
