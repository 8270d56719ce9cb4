using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The iproute2 operations the local lab needs: named network namespaces and the links between them.
/// Links are created directly inside the lab's namespaces (never in the host's), so the host's own
/// interfaces are never touched and a namespace's removal takes its links with it.
/// </summary>
public sealed class NetworkNamespaces(ProcessRunner runner, LabTimings? timings = null)
{
    private readonly LabTimings timings = timings ?? new LabTimings();

    /// <summary>Where iproute2 keeps the names (bind mounts of the namespaces).</summary>
    public const string NamesDirectory = "/run/netns";

    public static IReadOnlyList<string> List() =>
        Directory.Exists(NamesDirectory)
            ? [.. Directory.GetFiles(NamesDirectory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)]
            : [];

    /// <summary>A new, empty namespace.</summary>
    public Task AddAsync(string name, CancellationToken cancellationToken) =>
        IpAsync(["netns", "add", name], cancellationToken);

    /// <summary>Gives a process's namespace (a container's) a name, so ip and the CNI plugins can enter it.</summary>
    public Task AttachAsync(string name, int pid, CancellationToken cancellationToken) =>
        IpAsync(["netns", "attach", name, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken);

    /// <summary>Removes the name; the namespace goes when nothing else holds it. Missing names are fine.</summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(NamesDirectory, name))) return;
        await IpAsync(["netns", "delete", name], cancellationToken);
    }

    /// <summary>A veth pair with one end in each namespace, both ends up.</summary>
    public async Task AddVethAsync(string namespaceA, string nameA, string namespaceB, string nameB, CancellationToken cancellationToken)
    {
        await IpAsync(["link", "add", nameA, "netns", namespaceA, "type", "veth", "peer", "name", nameB, "netns", namespaceB], cancellationToken);
        await IpAsync(["-n", namespaceA, "link", "set", nameA, "up"], cancellationToken);
        await IpAsync(["-n", namespaceB, "link", "set", nameB, "up"], cancellationToken);
    }

    /// <summary>A bridge (the L2 switch), up.</summary>
    public async Task AddBridgeAsync(string ns, string name, CancellationToken cancellationToken, string? mac = null)
    {
        await IpAsync(["-n", ns, "link", "add", name, .. mac is null ? Array.Empty<string>() : ["address", mac], "type", "bridge"], cancellationToken);
        await IpAsync(["-n", ns, "link", "set", name, "up"], cancellationToken);
    }

    public Task SetMasterAsync(string ns, string link, string master, CancellationToken cancellationToken) =>
        IpAsync(["-n", ns, "link", "set", link, "master", master], cancellationToken);

    public Task AddAddressAsync(string ns, string link, string cidr, CancellationToken cancellationToken) =>
        IpAsync(["-n", ns, "address", "add", cidr, "dev", link], cancellationToken);

    /// <summary>Names from `ip -o link show` lines ("2: eth1@if3: &lt;...&gt;").</summary>
    public static IEnumerable<string> ParseLinkNames(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 3))
            .Where(parts => parts.Length == 3)
            .Select(parts => parts[1].Trim().Split('@')[0]);

    private async Task IpAsync(string[] arguments, CancellationToken cancellationToken) =>
        await timings.TimeAsync("ip", () => runner.RunAsync("ip", arguments, new ProcessOptions { Quiet = true, Timeout = TimeSpan.FromSeconds(30) }, cancellationToken));
}
