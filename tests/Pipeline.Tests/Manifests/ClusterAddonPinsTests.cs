using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Downloads;
using McastLab.Pipeline.Manifests;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>The Multus and flannel pins, the checked download (from a server on loopback) and the image rewrite.</summary>
public sealed class ClusterAddonPinsTests
{
    private const string Manifest = """
        apiVersion: apps/v1
        kind: DaemonSet
        spec:
          template:
            spec:
              containers:
                - name: kube-multus
                  image: ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick
              initContainers:
                - name: install-multus-binary
                  image: "ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick"
        """;

    [Fact]
    public void The_repository_pins_release_urls_with_checksums()
    {
        var pins = ManifestTestParameters.Resolve().ClusterAddons;

        Assert.Equal("v4.3.0", pins.Multus.Version);
        Assert.Equal("https://raw.githubusercontent.com/k8snetworkplumbingwg/multus-cni/v4.3.0/deployments/multus-daemonset-thick.yml", pins.Multus.Url.ToString());
        Assert.Equal("ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick", pins.MultusImage);
        Assert.Equal("https://github.com/flannel-io/flannel/releases/download/v0.27.4/kube-flannel.yml", pins.Flannel.Url.ToString());
        Assert.All([pins.Multus.Sha256, pins.Flannel.Sha256], sha => Assert.Matches("^[0-9a-f]{64}$", sha));
    }

    [Theory]
    [InlineData("multus-manifest-url=https://raw.githubusercontent.com/k8snetworkplumbingwg/multus-cni/master/deployments/multus-daemonset-thick.yml", "--multus-manifest-url must be a URL of the release v4.3.0")]
    [InlineData("flannel-manifest-url=https://github.com/flannel-io/flannel/releases/latest/download/kube-flannel.yml", "--flannel-manifest-url must be a URL of the release v0.27.4")]
    [InlineData("multus-manifest-url=http://example.org/v4.3.0/multus.yml", "--multus-manifest-url must be an https URL")]
    [InlineData("multus-manifest-sha256=ABC", "--multus-manifest-sha256 must be a sha256 of 64 lower-case hex digits")]
    [InlineData("multus-image=ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick", "--multus-image must be an image tagged with --multus-version v4.3.0")]
    [InlineData("multus-version=v4.2.2", "--multus-manifest-url must be a URL of the release v4.2.2")]
    public void A_moving_or_malformed_pin_is_refused(string setting, string expected)
    {
        var parts = setting.Split('=', 2);
        var error = Assert.Throws<ParameterException>(() => ManifestTestParameters.Resolve(new Dictionary<string, string> { [parts[0]] = parts[1] }));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_snapshot_images_are_replaced_by_the_release_image()
    {
        var pinned = MultusManifest.PinImage(Manifest, "ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick");

        Assert.DoesNotContain("snapshot", pinned, StringComparison.Ordinal);
        Assert.Contains("      image: ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick\n", pinned, StringComparison.Ordinal);
        Assert.Contains("      image: \"ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick\"", pinned, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_without_a_snapshot_image_is_refused()
    {
        var error = Assert.Throws<PipelineException>(() => MultusManifest.PinImage("image: example/other:1.0\n", "x/multus-cni:v4.3.0-thick"));
        Assert.Contains("no ':snapshot' image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_download_with_the_pinned_sha256_is_accepted_and_then_served_from_the_cache()
    {
        var body = Encoding.UTF8.GetBytes(Manifest);
        await using var server = await LoopbackServer.StartAsync(body);
        var cache = Directory.CreateTempSubdirectory("mf-pins-");
        try
        {
            using var http = new HttpClient();
            var download = new PinnedDownload(http, new ConsoleBuildLog(), cache.FullName);
            var pin = new PinnedFile("Multus", "v4.3.0", server.Url("v4.3.0/multus.yml"), Convert.ToHexStringLower(SHA256.HashData(body)), "multus-manifest-sha256");

            var path = await download.FetchAsync(pin, TestContext.Current.CancellationToken);
            Assert.Equal(body, await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));
            Assert.Equal(path, await download.FetchAsync(pin, TestContext.Current.CancellationToken));

            Assert.Equal(1, server.Requests);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_download_with_another_sha256_stops_loudly_and_leaves_nothing()
    {
        await using var server = await LoopbackServer.StartAsync(Encoding.UTF8.GetBytes(Manifest + "# changed upstream\n"));
        var cache = Directory.CreateTempSubdirectory("mf-pins-");
        try
        {
            using var http = new HttpClient();
            var download = new PinnedDownload(http, new ConsoleBuildLog(), cache.FullName);
            var pins = ManifestTestParameters.Resolve().ClusterAddons;
            var pin = pins.Multus with { Url = server.Url("v4.3.0/multus-daemonset-thick.yml") };

            var error = await Assert.ThrowsAsync<PipelineException>(() => MultusManifest.FetchAsync(download, pins with { Multus = pin }, TestContext.Current.CancellationToken));

            Assert.Contains($"but mcastlab.json pins {pin.Sha256} (multus-manifest-sha256)", error.Message, StringComparison.Ordinal);
            Assert.Empty(cache.EnumerateFileSystemInfos());
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    /// <summary>Serves one body on 127.0.0.1 and counts the requests.</summary>
    private sealed class LoopbackServer : IAsyncDisposable
    {
        private readonly HttpListener listener = new();
        private readonly Task loop;
        private readonly int port;
        private int requests;

        private LoopbackServer(byte[] body)
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            loop = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await listener.GetContextAsync(); }
                    catch (HttpListenerException) { return; }
                    catch (ObjectDisposedException) { return; }
                    Interlocked.Increment(ref requests);
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                }
            });
        }

        public int Requests => Volatile.Read(ref requests);

        public Uri Url(string path) => new($"http://127.0.0.1:{port}/{path}");

        public static Task<LoopbackServer> StartAsync(byte[] body) => Task.FromResult(new LoopbackServer(body));

        public async ValueTask DisposeAsync()
        {
            // Close alone: Stop then Close makes the managed HttpListener bind the port again to release it,
            // which fails when another test took the port meanwhile.
            listener.Close();
            await loop;
        }
    }
}
