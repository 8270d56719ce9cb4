using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// The real docker-registry (Debian's, distribution 2.8) on a free loopback port of its own, holding what the
/// containerd image store of newer engines pushes: an OCI image index (with an attestation entry) and a Docker
/// manifest list, each over per-platform manifests, all crafted through the registry API (blob uploads and
/// manifest PUTs) since the engine here pushes single manifests only.
/// </summary>
public sealed class RegistryIndexFixture : IAsyncLifetime
{
    public const string Repository = "mcastlab-test/multi";

    private readonly CapturingLog log = new();
    private DirectoryInfo? directory;
    private LocalRegistry? registry;
    private HttpClient? http;

    public string? Unavailable { get; private set; }
    public string Address => registry!.Address;

    /// <summary>Per form: the tag, the digest of what was pushed under it, and the host platform's manifest and config digests.</summary>
    public Dictionary<string, (string Digest, string HostManifest, string HostConfig)> Pushed { get; } = [];

    public async ValueTask InitializeAsync()
    {
        var runner = new ProcessRunner(log, new SecretMasker());
        if (runner.Locator.Find("docker-registry") is null) { Unavailable = "docker-registry is not installed (apt-get install docker-registry)"; return; }
        if (runner.Locator.Find("start-stop-daemon") is null) { Unavailable = "start-stop-daemon (dpkg) is not installed"; return; }
        directory = Directory.CreateTempSubdirectory("mcastlab-registry-index-");
        registry = new LocalRegistry(runner, log, $"127.0.0.1:{ImageFixture.FreeLoopbackPort()}", directory.FullName);
        await registry.EnsureRunningAsync();
        http = new HttpClient { BaseAddress = new Uri($"http://{registry.Address}/") };

        var (os, architecture) = ImageReadBack.HostPlatform;
        const string oci = "application/vnd.oci.image.manifest.v1+json";
        const string docker = "application/vnd.docker.distribution.manifest.v2+json";
        var ociHost = await PushImageAsync(oci, "application/vnd.oci.image.config.v1+json", "application/vnd.oci.image.layer.v1.tar+gzip", os, architecture);
        var ociOther = await PushImageAsync(oci, "application/vnd.oci.image.config.v1+json", "application/vnd.oci.image.layer.v1.tar+gzip", "linux", "s390x");
        var attestation = await PushImageAsync(oci, "application/vnd.oci.image.config.v1+json", "application/vnd.in-toto+json", "unknown", "unknown");
        var dockerHost = await PushImageAsync(docker, "application/vnd.docker.container.image.v1+json", "application/vnd.docker.image.rootfs.diff.tar.gzip", os, architecture);
        var dockerOther = await PushImageAsync(docker, "application/vnd.docker.container.image.v1+json", "application/vnd.docker.image.rootfs.diff.tar.gzip", "linux", "s390x");

        // The attestation comes first, as BuildKit does not promise an order: the read-back must pick by platform.
        Pushed["index"] = (await PushListAsync("index", "application/vnd.oci.image.index.v1+json", [attestation, ociHost, ociOther]), ociHost.Manifest, ociHost.Config);
        Pushed["list"] = (await PushListAsync("list", "application/vnd.docker.distribution.manifest.list.v2+json", [dockerOther, dockerHost]), dockerHost.Manifest, dockerHost.Config);
        Pushed["other-only"] = (await PushListAsync("other-only", "application/vnd.oci.image.index.v1+json", [ociOther]), "", "");
        Pushed["single"] = (ociHost.Manifest, ociHost.Manifest, ociHost.Config);
        await PutManifestAsync("single", oci, ociHost.Body);
    }

    private sealed record Pushed1(string Manifest, string Config, string MediaType, int Size, string Os, string Architecture, byte[] Body);

    private async Task<Pushed1> PushImageAsync(string mediaType, string configType, string layerType, string os, string architecture)
    {
        var layer = Encoding.UTF8.GetBytes($"layer of {os}/{architecture} {mediaType}");
        var config = Encoding.UTF8.GetBytes(new JsonObject { ["architecture"] = architecture, ["os"] = os, ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(RegistryApi.Sha256(layer)) } }.ToJsonString());
        var layerDigest = await PushBlobAsync(layer);
        var configDigest = await PushBlobAsync(config);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = mediaType,
            ["config"] = new JsonObject { ["mediaType"] = configType, ["digest"] = configDigest, ["size"] = config.Length },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = layerType, ["digest"] = layerDigest, ["size"] = layer.Length }),
        }.ToJsonString());
        var digest = RegistryApi.Sha256(manifest);
        await PutManifestAsync(digest, mediaType, manifest);
        return new Pushed1(digest, configDigest, mediaType, manifest.Length, os, architecture, manifest);
    }

    private async Task<string> PushListAsync(string tag, string mediaType, Pushed1[] entries)
    {
        var list = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = mediaType,
            ["manifests"] = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
            {
                ["mediaType"] = e.MediaType,
                ["digest"] = e.Manifest,
                ["size"] = e.Size,
                ["platform"] = new JsonObject { ["architecture"] = e.Architecture, ["os"] = e.Os },
            }).ToArray()),
        }.ToJsonString());
        await PutManifestAsync(tag, mediaType, list);
        return RegistryApi.Sha256(list);
    }

    private async Task<string> PushBlobAsync(byte[] blob)
    {
        var digest = RegistryApi.Sha256(blob);
        using var start = await http!.PostAsync($"v2/{Repository}/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var location = start.Headers.Location!;
        var target = location.IsAbsoluteUri ? location : new Uri(http.BaseAddress!, location);
        var separator = target.Query.Length > 0 ? "&" : "?";
        using var content = new ByteArrayContent(blob);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var put = await http.PutAsync(target.AbsoluteUri + separator + "digest=" + Uri.EscapeDataString(digest), content);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return digest;
    }

    private async Task PutManifestAsync(string reference, string mediaType, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var put = await http!.PutAsync($"v2/{Repository}/manifests/{reference}", content);
        Assert.True(put.StatusCode == HttpStatusCode.Created, $"PUT manifest {reference}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        http?.Dispose();
        if (registry is not null) await registry.StopAsync();
        directory?.Delete(recursive: true);
    }
}

public sealed class RegistryIndexTests(RegistryIndexFixture fixture) : IClassFixture<RegistryIndexFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("index", "application/vnd.oci.image.index.v1+json")]
    [InlineData("list", "application/vnd.docker.distribution.manifest.list.v2+json")]
    public async Task A_multi_platform_tag_is_read_as_what_was_pushed_not_as_one_platform(string tag, string mediaType)
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        using var api = new RegistryApi(fixture.Address);

        var manifest = await api.GetManifestAsync(RegistryIndexFixture.Repository, tag, Cancel);

        Assert.Equal((fixture.Pushed[tag].Digest, fixture.Pushed[tag].Digest, mediaType, true), (manifest.Digest, manifest.HeaderDigest, manifest.MediaType, manifest.IsIndex));
        Assert.Contains(manifest.Manifests, m => m.Digest == fixture.Pushed[tag].HostManifest);
    }

    [Theory]
    [InlineData("index")]
    [InlineData("list")]
    [InlineData("single")]
    public async Task Read_back_confirms_the_pushed_digest_and_finds_this_platforms_image_and_config(string tag)
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        using var api = new RegistryApi(fixture.Address);
        var name = ImageName.Parse($"{fixture.Address}/{RegistryIndexFixture.Repository}:{tag}");

        var (tagged, image) = await new ImageReadBack(api).VerifyAsync(name, fixture.Pushed[tag].Digest, Cancel);

        Assert.Equal(fixture.Pushed[tag].Digest, tagged.Digest);
        Assert.Equal((fixture.Pushed[tag].HostManifest, fixture.Pushed[tag].HostConfig), (image.Digest, image.ConfigDigest));
    }

    [Fact]
    public async Task Read_back_of_a_tag_that_moved_blames_a_racing_push()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        using var api = new RegistryApi(fixture.Address);
        var name = ImageName.Parse($"{fixture.Address}/{RegistryIndexFixture.Repository}:index");

        var error = await Assert.ThrowsAsync<PipelineException>(() => new ImageReadBack(api).VerifyAsync(name, fixture.Pushed["list"].Digest, Cancel));

        Assert.Equal($"The registry serves {name} as {fixture.Pushed["index"].Digest}, not the pushed {fixture.Pushed["list"].Digest}; another push to the same tag may have raced this one, so push again.", error.Message);
    }

    [Fact]
    public async Task An_index_without_this_platform_stops_with_one_sentence()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        using var api = new RegistryApi(fixture.Address);
        var name = ImageName.Parse($"{fixture.Address}/{RegistryIndexFixture.Repository}:other-only");

        var error = await Assert.ThrowsAsync<PipelineException>(() => new ImageReadBack(api).VerifyAsync(name, fixture.Pushed["other-only"].Digest, Cancel));

        var (os, architecture) = ImageReadBack.HostPlatform;
        Assert.StartsWith($"{name} was pushed as the index {fixture.Pushed["other-only"].Digest}, which holds no {os}/{architecture} image (linux/s390x)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker.io", "mcast", "https://registry-1.docker.io/", "library/mcast")]
    [InlineData("index.docker.io", "octo/mcast", "https://registry-1.docker.io/", "octo/mcast")]
    [InlineData("ghcr.io", "octo/mcast", "https://ghcr.io/", "octo/mcast")]
    [InlineData("127.0.0.1:5000", "mcast", "http://127.0.0.1:5000/", "mcast")]
    public void Docker_Hubs_API_is_registry_1_docker_io_not_the_web_site(string registry, string repository, string api, string apiRepository)
    {
        using var client = new RegistryApi(registry);

        Assert.Equal((api, apiRepository), (client.BaseAddress.AbsoluteUri, client.ApiRepository(repository)));
    }
}
