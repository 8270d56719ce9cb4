using System.Net;
using McastLab.Pipeline.Images;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// Plain HTTP or HTTPS per registry, decided as the engine decides, on /info captured from real engines
/// (TestData/engine-info/capture.sh: this machine's engine with default settings, and a private one started with
/// --insecure-registry 10.213.7.0/24 and lan-registry.example:5000, since the shared engine must not be restarted).
/// </summary>
public sealed class EngineRegistryConfigTests
{
    internal static EngineRegistryConfig Captured(string name) =>
        EngineRegistryConfig.FromInfo(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "tests/Pipeline.Tests/Images/TestData/engine-info", name)));

    private static IPAddress[] Unresolvable(string host) => throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound);

    [Theory]
    [InlineData("default-engine.json", "127.0.0.1:5000", "http")]
    [InlineData("default-engine.json", "127.9.9.9:5000", "http")]
    [InlineData("default-engine.json", "localhost:5000", "http")]
    [InlineData("default-engine.json", "10.213.7.5:5000", "https")]
    [InlineData("default-engine.json", "lan-registry.example:5000", "https")]
    [InlineData("default-engine.json", "ghcr.io", "https")]
    [InlineData("insecure-engine.json", "10.213.7.5:5000", "http")]      // in --insecure-registry 10.213.7.0/24
    [InlineData("insecure-engine.json", "10.213.8.5:5000", "https")]     // outside it
    [InlineData("insecure-engine.json", "lan-registry.example:5000", "http")]  // --insecure-registry by name
    [InlineData("insecure-engine.json", "lan-registry.example:5001", "https")] // another port is another registry
    [InlineData("insecure-engine.json", "docker.io", "https")]
    public void The_scheme_is_the_one_the_engine_pushes_with(string info, string registry, string scheme)
    {
        var engine = Captured(info);
        Assert.Equal(scheme == "http", engine.IsInsecure(registry, Unresolvable));
        using var api = new RegistryApi(registry, engine: engine);
        Assert.Equal(scheme, api.BaseAddress.Scheme);
    }

    [Fact]
    public void A_host_name_counts_by_the_addresses_it_resolves_to_as_in_the_engine()
    {
        var engine = Captured("insecure-engine.json");
        Assert.True(engine.IsInsecure("registry.lan:5000", _ => [IPAddress.Parse("192.0.2.1"), IPAddress.Parse("10.213.7.40")]));
        Assert.False(engine.IsInsecure("registry.lan:5000", _ => [IPAddress.Parse("192.0.2.1")]));
        Assert.False(engine.IsInsecure("registry.lan:5000", Unresolvable));
    }
}
