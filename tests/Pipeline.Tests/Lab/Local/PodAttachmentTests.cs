using McastLab.Pipeline.Cni;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Prerequisites;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Lab.Local;

/// <summary>
/// A pod's interface as the local lab makes it, with the real bridge and host-local plugins: CHECK runs apart from
/// ADD (once the senders run), so an interface added and never checked must count against cni-attachments.
/// </summary>
public sealed class PodAttachmentTests
{
    [Fact]
    public async Task An_interface_added_but_never_checked_is_a_problem_until_its_CHECK_passes()
    {
        Assert.SkipUnless(Environment.IsPrivilegedProcess, "creating network namespaces needs root");
        var plugins = PrerequisiteCatalog.CniDirectories.FirstOrDefault(d => File.Exists(Path.Combine(d, "bridge")) && File.Exists(Path.Combine(d, "host-local")));
        Assert.SkipUnless(plugins is not null, "the CNI plugins bridge and host-local (containernetworking-plugins) are not installed");
        var cancellation = TestContext.Current.CancellationToken;
        var runner = new ProcessRunner(new ConsoleBuildLog(), new SecretMasker());
        var namespaces = new NetworkNamespaces(runner);
        var run = LabRunId.New();
        // A live run's: a lab running meanwhile (another test class) sweeps dead runs' namespaces.
        var live = LabRunLock.Acquire(run);
        var sandboxes = new LabSandboxes(run);
        var node = run.Name("k8s");
        var ipam = Directory.CreateTempSubdirectory("mcastlab-ipam-");
        try
        {
            await namespaces.AddAsync(node, cancellation);
            await namespaces.AddBridgeAsync(node, PrimaryNetwork.BridgeName, cancellation, PrimaryNetwork.BridgeMac(0));
            var sandbox = await sandboxes.StartAsync("k8s-pod-1", cancellation);
            var attachment = new PodAttachment(new CniPlugin(runner, plugins!), PrimaryNetwork.Config(0, ipam.FullName), node, "k8s/pod-1", sandbox,
                PrimaryNetwork.InterfaceName, PrimaryNetwork.Name, true);
            var pod = new LocalPod(new LabPod("k8s", "pod-1", false), sandbox);
            pod.Interfaces.Add(attachment);

            await attachment.AddAsync(cancellation);
            Assert.Equal(["CNI CHECK of eth0 did not run"], pod.Observation().Problems);

            await attachment.CheckAsync(cancellation);
            Assert.True(attachment.Checked);
            Assert.Empty(pod.Observation().Problems);

            await attachment.DeleteAsync(cancellation);
            Assert.Empty(Directory.GetFiles(ipam.FullName, "10.244.*", SearchOption.AllDirectories));
        }
        finally
        {
            await sandboxes.StopAllAsync();
            await namespaces.DeleteAsync(node, CancellationToken.None);
            ipam.Delete(recursive: true);
            live.Dispose();
            Directory.Delete(LabRunLock.StateDirectory(run), recursive: true);
        }
    }
}
