using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;

namespace McastLab.Pipeline.Images;

/// <summary>
/// Which registries the Docker engine talks to over plain HTTP, from its GET /info RegistryConfig, decided as the
/// engine decides (moby registry/config.go, isSecureIndex): a registry named in IndexConfigs (--insecure-registry
/// host:port) is as secure as configured there; otherwise it is insecure when an address of its host lies in
/// InsecureRegistryCIDRs (127.0.0.0/8 by default, --insecure-registry 10.0.0.0/24 adds one). The read-back follows
/// the engine: a registry the engine pushes to over plain HTTP is read over plain HTTP, every other over HTTPS.
/// </summary>
public sealed class EngineRegistryConfig(IReadOnlyList<IPNetwork> insecureNetworks, IReadOnlyDictionary<string, bool> secureByName)
{
    /// <summary>An engine with default settings: only loopback registries are insecure.</summary>
    public static EngineRegistryConfig Default { get; } = new([IPNetwork.Parse("127.0.0.0/8")], new Dictionary<string, bool>());

    public IReadOnlyList<IPNetwork> InsecureNetworks => insecureNetworks;

    /// <summary>From the JSON of GET /info (the whole answer).</summary>
    public static EngineRegistryConfig FromInfo(string infoJson)
    {
        using var json = JsonDocument.Parse(infoJson);
        if (!json.RootElement.TryGetProperty("RegistryConfig", out var config) || config.ValueKind != JsonValueKind.Object) return Default;
        var networks = config.TryGetProperty("InsecureRegistryCIDRs", out var cidrs) && cidrs.ValueKind == JsonValueKind.Array
            ? cidrs.EnumerateArray().Select(c => c.GetString()).OfType<string>().Select(IPNetwork.Parse).ToList()
            : [];
        var indexes = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        if (config.TryGetProperty("IndexConfigs", out var configs) && configs.ValueKind == JsonValueKind.Object)
        {
            foreach (var index in configs.EnumerateObject())
            {
                indexes[index.Name] = !index.Value.TryGetProperty("Secure", out var secure) || secure.ValueKind != JsonValueKind.False;
            }
        }
        return new EngineRegistryConfig(networks, indexes);
    }

    /// <summary>The engine's own settings (its /info).</summary>
    public static async Task<EngineRegistryConfig> ReadAsync(IDockerClient docker, CancellationToken cancellationToken = default)
    {
        var info = await docker.System.GetSystemInfoAsync(cancellationToken);
        var config = info.RegistryConfig;
        if (config is null) return Default;
        var networks = (config.InsecureRegistryCIDRs ?? []).Select(c => IPNetwork.Parse(c.ToString()!)).ToList();
        var indexes = (config.IndexConfigs ?? new Dictionary<string, global::Docker.DotNet.Models.IndexInfo>())
            .ToDictionary(i => i.Key, i => i.Value.Secure, StringComparer.OrdinalIgnoreCase);
        return new EngineRegistryConfig(networks, indexes);
    }

    /// <summary>
    /// True when the engine pushes to this registry over plain HTTP (or a loopback one, which every engine does).
    /// A host name counts by the addresses it resolves to, as in the engine; one that does not resolve is secure.
    /// </summary>
    public bool IsInsecure(string registry, Func<string, IPAddress[]>? resolve = null)
    {
        if (RegistryApi.IsLoopback(registry)) return true;
        if (secureByName.TryGetValue(registry, out var secure)) return !secure;
        var host = new Uri("http://" + registry).Host.Trim('[', ']');
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var address))
        {
            addresses = [address];
        }
        else
        {
            try
            {
                addresses = (resolve ?? Dns.GetHostAddresses)(host);
            }
            catch (SocketException)
            {
                addresses = [];
            }
        }
        return addresses.Any(a => insecureNetworks.Any(n => n.Contains(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)));
    }

    /// <summary>The sentence for a registry that answers only plain HTTP while the engine would use HTTPS.</summary>
    public static string PlainHttpAdvice(string registry) =>
        $"the registry {registry} speaks plain HTTP and the Docker engine does not mark it insecure; add \"{registry}\" to \"insecure-registries\" in /etc/docker/daemon.json (and to the nodes' container runtime), and restart dockerd";
}
