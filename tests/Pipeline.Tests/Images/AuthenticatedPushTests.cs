using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>Push and read-back against a registry that asks for a login (docker-registry with htpasswd).</summary>
[Collection(ImageEngineGroup.Name)]
public sealed class AuthenticatedPushTests(ImageFixture fixture) : IAsyncLifetime
{
    private const string User = "mcastlab";
    private const string Password = "mcastlab-test-pass";

    // bcrypt (cost 4, fast to check) of Password: made with Python's crypt.crypt and METHOD_BLOWFISH.
    private const string PasswordHash = "$2b$04$Qe2/a5PvHbN5PhfyCJ01C.8CIZwh27pzoMp/0ipidQCkusXbMafhe";

    private string directory = "";
    private string address = "";
    private RegistryProcess? registry;

    public async ValueTask InitializeAsync()
    {
        if (fixture.Unavailable is not null) return;
        directory = Directory.CreateDirectory(Path.Combine(fixture.Scratch, "auth-registry-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        address = $"127.0.0.1:{ImageFixture.FreeLoopbackPort()}";
        await File.WriteAllTextAsync(Path.Combine(directory, "htpasswd"), $"{User}:{PasswordHash}\n");
        registry = new RegistryProcess(fixture.Runner, directory, address);
        await registry.StartAsync($"""
            version: 0.1
            storage:
              filesystem:
                rootdirectory: {directory}/storage
              delete:
                enabled: true
            http:
              addr: {address}
            auth:
              htpasswd:
                realm: mcastlab-test
                path: {directory}/htpasswd

            """);
    }

    [Fact]
    public async Task Push_with_credentials_logs_in_and_reads_the_manifest_back_through_the_challenge()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var reference = await TagAsync("login");
        using var registry = new RegistryApi(address, User, Password);
        var pusher = new ImagePusher(fixture.Docker, new CapturingLog(), registry, new AuthConfig { Username = User, Password = Password, ServerAddress = address });

        var pushed = await pusher.PushAsync(reference, TestContext.Current.CancellationToken);

        Assert.Equal(fixture.Mcast.Id, pushed.ConfigDigest);
        using var anonymous = new RegistryApi(address);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetManifestAsync($"{fixture.Prefix}/mcast", "login", TestContext.Current.CancellationToken));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_fails_at_once_with_one_sentence_and_no_retries()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var reference = await TagAsync("wrong");
        var log = new CapturingLog();
        using var registry = new RegistryApi(address, User, "not-the-password");
        var pusher = new ImagePusher(fixture.Docker, log, registry, new AuthConfig { Username = User, Password = "not-the-password", ServerAddress = address })
        {
            FirstDelay = TimeSpan.FromMilliseconds(100),
        };

        var error = await Assert.ThrowsAsync<PipelineException>(() => pusher.PushAsync(reference, TestContext.Current.CancellationToken));

        Assert.Empty(log.At("warning"));
        Assert.StartsWith($"Pushing {reference} failed: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("MCASTLAB_REGISTRY_PASSWORD", error.Message, StringComparison.Ordinal);
    }

    private async Task<string> TagAsync(string tag)
    {
        var reference = $"{address}/{fixture.Prefix}/mcast:{tag}";
        fixture.Track(reference);
        await fixture.Docker.Images.TagImageAsync(fixture.Mcast.Id, new ImageTagParameters { RepositoryName = $"{address}/{fixture.Prefix}/mcast", Tag = tag }, TestContext.Current.CancellationToken);
        return reference;
    }

    public async ValueTask DisposeAsync()
    {
        if (registry is not null) await registry.StopAsync();
    }
}
