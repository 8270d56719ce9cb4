using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// The transport the engine's /info decides, against the real docker-registry on a non-loopback address of this
/// machine (a veth pair made and removed here), with the real engine pushing to it; the decision itself is
/// in <see cref="EngineRegistryConfigTests"/>.
/// </summary>
[Collection(ImageEngineGroup.Name)]
public sealed class PlainHttpRegistryTests(ImageFixture fixture) : IAsyncLifetime
{
    private static EngineRegistryConfig Captured(string name) => EngineRegistryConfigTests.Captured(name);

    [Fact]
    public async Task The_live_engine_reads_as_its_captured_info()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var live = await EngineRegistryConfig.ReadAsync(fixture.Docker, TestContext.Current.CancellationToken);
        Assert.Equal(Captured("default-engine.json").InsecureNetworks, live.InsecureNetworks);
    }

    private LanAddress? lan;
    private string address = "";
    private string directory = "";
    private int port;
    private RegistryProcess? registry;

    /// <summary>A veth with an address in the captured engine's insecure 10.213.7.0/24, and a registry on it.</summary>
    public async ValueTask InitializeAsync()
    {
        if (fixture.Unavailable is not null) return;
        lan = new LanAddress(fixture.Runner, "mclreg", "10.213.7");
        address = lan.Address;
        await lan.AddAsync();
        directory = Path.Combine(fixture.Scratch, "plain-registry-" + lan.Device);
        port = ImageFixture.FreeLoopbackPort();
        // Every address of the port: the engine here pushes over loopback (insecure by default) and the tests read
        // over the veth's address, from the same storage.
        registry = new RegistryProcess(fixture.Runner, directory, $"127.0.0.1:{port}");
        await registry.StartAsync($"""
            version: 0.1
            storage:
              filesystem:
                rootdirectory: {directory}/storage
            http:
              addr: :{port}

            """);
    }

    [Fact]
    public async Task A_plain_http_registry_the_engine_does_not_mark_insecure_fails_at_once_with_one_sentence()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var cancel = TestContext.Current.CancellationToken;
        var registry = $"{address}:{port}";
        var reference = $"{registry}/{fixture.Prefix}/plain:1";
        fixture.Track(reference);
        await fixture.Docker.Images.TagImageAsync(fixture.Mcast.Id, new ImageTagParameters { RepositoryName = ImageName.Parse(reference).Repository, Tag = "1" }, cancel);
        var engine = await EngineRegistryConfig.ReadAsync(fixture.Docker, cancel);
        using var api = new RegistryApi(registry, engine: engine);
        var log = new CapturingLog();
        var pusher = new ImagePusher(fixture.Docker, log, api) { FirstDelay = TimeSpan.FromMilliseconds(100) };

        // The real engine refuses (it speaks HTTPS to a registry it does not mark insecure): not retried.
        var push = await Assert.ThrowsAsync<PipelineException>(() => pusher.PushAsync(reference, cancel));
        Assert.Empty(log.At("warning"));
        Assert.Contains("server gave HTTP response to HTTPS client", push.Message, StringComparison.Ordinal);
        Assert.EndsWith($"the registry {registry} speaks plain HTTP and the Docker engine does not mark it insecure; add \"{registry}\" to \"insecure-registries\" in /etc/docker/daemon.json (and to the nodes' container runtime), and restart dockerd, then run again.", push.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', push.Message);

        // The read-back, which follows the same engine, says the same.
        var read = await Assert.ThrowsAsync<PipelineException>(() => api.GetManifestAsync($"{fixture.Prefix}/plain", "1", cancel));
        Assert.Equal($"Reading https://{registry}/v2/{fixture.Prefix}/plain/manifests/1 failed: {EngineRegistryConfig.PlainHttpAdvice(registry)}, then run again.", read.Message);
    }

    [Fact]
    public async Task A_registry_the_engine_marks_insecure_is_read_back_over_plain_http_on_its_lan_address()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var cancel = TestContext.Current.CancellationToken;
        var loopback = $"127.0.0.1:{port}/{fixture.Prefix}/insecure";
        fixture.Track(loopback + ":1");
        await fixture.Docker.Images.TagImageAsync(fixture.Mcast.Id, new ImageTagParameters { RepositoryName = loopback, Tag = "1" }, cancel);
        using var viaLoopback = new RegistryApi($"127.0.0.1:{port}");
        var pushed = await new ImagePusher(fixture.Docker, new CapturingLog(), viaLoopback).PushAsync(loopback + ":1", cancel);

        // An engine started with --insecure-registry 10.213.7.0/24 (captured) pushes there over plain HTTP; so does the read-back.
        var registry = $"{address}:{port}";
        using var api = new RegistryApi(registry, engine: Captured("insecure-engine.json"));
        Assert.Equal($"http://{registry}/", api.BaseAddress.ToString());
        var (tagged, image) = await new ImageReadBack(api).VerifyAsync(ImageName.Parse($"{registry}/{fixture.Prefix}/insecure:1"), pushed.Digest, cancel);
        Assert.Equal(pushed.Digest, tagged.Digest);
        Assert.Equal(fixture.Mcast.Id, image.ConfigDigest);
    }

    public async ValueTask DisposeAsync()
    {
        if (registry is not null) await registry.StopAsync();
        if (lan is not null) await lan.RemoveAsync();
    }
}
