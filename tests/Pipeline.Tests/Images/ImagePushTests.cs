using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;

namespace McastLab.Pipeline.Tests.Images;

[Collection(ImageEngineGroup.Name)]
public sealed class ImagePushTests(ImageFixture fixture)
{
    [Fact]
    public async Task Push_leaves_both_tags_in_the_registry_with_the_digest_read_back()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var cancel = TestContext.Current.CancellationToken;
        using var registry = new RegistryApi(fixture.RegistryAddress);
        var log = new CapturingLog();
        var pusher = new ImagePusher(fixture.Docker, log, registry);

        foreach (var image in new[] { fixture.Mcast, fixture.Iperf })
        {
            var pushed = new List<PushedImage>();
            foreach (var reference in image.References) pushed.Add(await pusher.PushAsync(reference, cancel));

            // Both tags name the same manifest; the manifest's config is the image the engine built.
            Assert.Single(pushed.Select(p => p.Digest).Distinct());
            Assert.Equal(image.Id, pushed[0].ConfigDigest);
            var name = ImageName.Parse(image.References[0]);
            var repository = name.Repository[(fixture.RegistryAddress.Length + 1)..];
            var manifest = await registry.GetManifestAsync(repository, fixture.Version.Version, cancel);
            Assert.Equal(pushed[0].Digest, manifest.Digest);
            Assert.Equal(pushed[0].Digest, manifest.HeaderDigest);
            using var config = await registry.GetConfigAsync(repository, manifest.ConfigDigest!, cancel);
            var labels = config.RootElement.GetProperty("config").GetProperty("Labels");
            Assert.Equal(fixture.Version.Version, labels.GetProperty("org.opencontainers.image.version").GetString());
            Assert.Equal("65534:65534", config.RootElement.GetProperty("config").GetProperty("User").GetString());
            Assert.Contains(log.At("information"), line => line.StartsWith($"Pushed {image.References[0]}@{pushed[0].Digest}", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Push_to_a_registry_that_is_down_retries_then_fails_with_one_sentence()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var deadRegistry = $"127.0.0.1:{ImageFixture.FreeLoopbackPort()}";
        var reference = $"{deadRegistry}/{fixture.Prefix}/mcast:down";
        fixture.Track(reference);
        var name = ImageName.Parse(reference);
        await fixture.Docker.Images.TagImageAsync(fixture.Mcast.Id, new ImageTagParameters { RepositoryName = name.Repository, Tag = name.Tag }, TestContext.Current.CancellationToken);

        using var registry = new RegistryApi(deadRegistry);
        var log = new CapturingLog();
        var pusher = new ImagePusher(fixture.Docker, log, registry) { Retries = 2, FirstDelay = TimeSpan.FromMilliseconds(100) };
        var error = await Assert.ThrowsAsync<PipelineException>(() => pusher.PushAsync(reference, TestContext.Current.CancellationToken));

        Assert.Equal(2, log.At("warning").Count(line => line.Contains("retrying in", StringComparison.Ordinal)));
        Assert.StartsWith($"Pushing {reference} failed after 3 attempts: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("then run again.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Pushing_a_tag_the_engine_lacks_fails_at_once_without_retries()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        using var registry = new RegistryApi(fixture.RegistryAddress);
        var log = new CapturingLog();
        var pusher = new ImagePusher(fixture.Docker, log, registry) { FirstDelay = TimeSpan.FromMilliseconds(100) };
        var reference = $"{fixture.RegistryAddress}/{fixture.Prefix}/never-built:1";

        var error = await Assert.ThrowsAsync<PipelineException>(() => pusher.PushAsync(reference, TestContext.Current.CancellationToken));

        Assert.Empty(log.At("warning"));
        Assert.Contains("./build.sh Images", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_package_the_token_may_not_write_is_explained_as_ghcr_io_package_linking()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var cancel = TestContext.Current.CancellationToken;
        // ghcr.io cannot run here: a stub answers as it does for a package not linked to the token's repository
        // (the login works, the blob upload is denied). The engine that pushes to it is the real one.
        var port = ImageFixture.FreeLoopbackPort();
        var stubRegistry = $"127.0.0.1:{port}";
        using var listener = new System.Net.HttpListener();
        listener.Prefixes.Add($"http://{stubRegistry}/");
        listener.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var context = await listener.GetContextAsync().WaitAsync(stop.Token);
                var response = context.Response;
                response.Headers["Docker-Distribution-Api-Version"] = "registry/2.0";
                var body = context.Request.Url!.AbsolutePath == "/v2/" ? "{}"
                    : """{"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}""";
                response.StatusCode = body == "{}" ? 200 : 403;
                response.ContentType = "application/json";
                var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                response.ContentLength64 = bytes.Length;
                await response.OutputStream.WriteAsync(bytes, stop.Token);
                response.Close();
            }
        }, stop.Token);
        var reference = $"{stubRegistry}/{fixture.Prefix}/mcast:linking";
        fixture.Track(reference);
        var name = ImageName.Parse(reference);
        await fixture.Docker.Images.TagImageAsync(fixture.Mcast.Id, new ImageTagParameters { RepositoryName = name.Repository, Tag = name.Tag }, cancel);
        using var registry = new RegistryApi(stubRegistry);
        var log = new CapturingLog();
        var pusher = new ImagePusher(fixture.Docker, log, registry) { FirstDelay = TimeSpan.FromMilliseconds(100) };

        var error = await Assert.ThrowsAsync<PipelineException>(() => pusher.PushAsync(reference, cancel));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);

        Assert.Contains("denied: permission_denied: write_package", error.Message, StringComparison.Ordinal);
        Assert.Contains($"the package {fixture.Prefix}/mcast exists and is not linked to the repository whose token pushes it", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Manage Actions access'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("MCASTLAB_REGISTRY_PASSWORD", error.Message, StringComparison.Ordinal);
        Assert.Empty(log.At("warning")); // not retried: retrying cannot fix a permission
    }
}
