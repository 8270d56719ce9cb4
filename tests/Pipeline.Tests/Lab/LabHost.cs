using System.Diagnostics;
using Docker.DotNet;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Docker;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Lab;
using McastLab.Pipeline.Lab.Local;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Lab;

/// <summary>
/// What the local lab tests need from the machine: root, a Docker engine, the CNI plugins, and the two
/// images built from this working tree by the Images pipeline step (the engine's cache makes an unchanged
/// tree cheap). The tests run them by image id, so an older image under the same tag can never stand in.
/// </summary>
public sealed class LabHost : IAsyncLifetime
{
    public BuildParameters Parameters { get; } = BuildParameters.Resolve(Tests.RepositoryRoot.Path, new Dictionary<string, string>(), Environment.GetEnvironmentVariable, new SecretMasker());

    public string? Missing { get; private set; }

    public string McastImage { get; private set; } = "";

    public string IperfImage { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        if (!Environment.IsPrivilegedProcess) { Missing = "root (network namespaces, CNI plugins)"; return; }
        if (!File.Exists("/usr/lib/cni/macvlan") && !File.Exists("/opt/cni/bin/macvlan")) { Missing = "the CNI plugins (containernetworking-plugins)"; return; }
        try
        {
            (await DockerConnection.ConnectAsync()).Dispose();
        }
        catch (PipelineException)
        {
            Missing = "a Docker engine";
            return;
        }
        var log = new ConsoleBuildLog();
        var images = new LabImages(new ProcessRunner(log, new SecretMasker()), log, Parameters);
        await images.PublishMcastToolsAsync();
        await images.EnsureBaseImageAsync();
        var built = await images.BuildAsync();
        (IperfImage, McastImage) = (built[0].Id, built[1].Id);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// The lab's request with the given settings (a short send keeps the tests quick), with the manifests
    /// generated for those settings into a folder of their own, as a Lab run does.
    /// </summary>
    public LabRequest Request(Func<LabSettings, LabSettings>? change = null)
    {
        var settings = (change ?? (s => s with { DurationSeconds = 2 }))(Parameters.Lab);
        var root = Directory.CreateTempSubdirectory("mcastlab-lab-manifests-").FullName;
        foreach (var file in new LabManifests(settings, Parameters.Images).Files())
        {
            var path = Path.Combine(root, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
        }
        return new LabRequest(settings, McastImage, IperfImage, Path.Combine(root, LabManifests.ManifestsDirectory));
    }

}

/// <summary>
/// What one lab run has on the host: its network namespaces, containers, links and programs, all named after its
/// run id (mclXXXXXX-…). Only the run's own things are compared, so other labs running at the same time, and other
/// people's containers and links on a shared machine, never make a leak check fail.
/// </summary>
public sealed record HostInventory(IReadOnlyList<string> Namespaces, IReadOnlyList<string> Links, IReadOnlyList<string> Containers, IReadOnlyList<string> Programs)
{
    public static async Task<HostInventory> TakeAsync(LabRunId run)
    {
        var links = Run("ip", "-o", "link", "show");
        using var docker = await DockerConnection.ConnectAsync();
        var containers = await docker.Containers.ListContainersAsync(new global::Docker.DotNet.Models.ContainersListParameters { All = true });
        return new HostInventory(
            [.. NetworkNamespaces.List().Where(n => LabRunId.FromName(n) == run)],
            [.. NetworkNamespaces.ParseLinkNames(links).Where(n => LabRunId.FromName(n) == run).Order(StringComparer.Ordinal)],
            [.. containers.Where(c => c.Labels.TryGetValue(ContainerLabels.Run, out var v) && v == run.Value).SelectMany(c => c.Names)
                .Concat(containers.SelectMany(c => c.Names).Where(n => LabRunId.FromName(n.TrimStart('/')) == run)).Distinct().Order(StringComparer.Ordinal)],
            [.. LabPrograms.Running(run).Select(p => $"{p.Name} (pid {p.Pid})")]);
    }

    /// <summary>Fails naming whatever of the run is still there.</summary>
    public void AssertEmpty()
    {
        Assert.Empty(Namespaces);
        Assert.Empty(Links);
        Assert.Empty(Containers);
        Assert.Empty(Programs);
    }

    private static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
