using System.Net;
using System.Security.Cryptography;
using System.Text;
using McastLab.Pipeline.Images;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// The Bearer (token) login that ghcr.io and Docker Hub ask for. No such registry can run here, so a stub
/// plays both the registry and its token service, and checks what the client sends.
/// </summary>
public sealed class RegistryTokenTests
{
    private const string Manifest = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":2},"layers":[]}""";

    [Fact]
    public async Task Manifest_read_answers_a_Bearer_challenge_with_a_token_fetched_with_the_credentials()
    {
        var port = ImageFixture.FreeLoopbackPort();
        var prefix = $"http://127.0.0.1:{port}/";
        using var listener = new HttpListener();
        listener.Prefixes.Add(prefix);
        listener.Start();
        var tokenRequests = new List<(string? Authorization, string? Service, string? Scope)>();
        var cancel = TestContext.Current.CancellationToken;

        var server = Task.Run(async () =>
        {
            // Bounded: the client needs three requests (challenge, token, retry).
            for (var i = 0; i < 3; i++)
            {
                var context = await listener.GetContextAsync().WaitAsync(TimeSpan.FromSeconds(20), cancel);
                var request = context.Request;
                var response = context.Response;
                if (request.Url!.AbsolutePath == "/token")
                {
                    tokenRequests.Add((request.Headers["Authorization"], request.QueryString["service"], request.QueryString["scope"]));
                    await Write(response, 200, """{"token":"stub-token"}""", "application/json");
                }
                else if (request.Headers["Authorization"] == "Bearer stub-token")
                {
                    response.Headers["Docker-Content-Digest"] = RegistryApi.Sha256(Encoding.UTF8.GetBytes(Manifest));
                    await Write(response, 200, Manifest, "application/vnd.oci.image.manifest.v1+json");
                }
                else
                {
                    response.Headers["WWW-Authenticate"] = $"Bearer realm=\"{prefix}token\",service=\"stub-registry\",scope=\"repository:lab/iperf:pull\"";
                    await Write(response, 401, """{"errors":[{"code":"UNAUTHORIZED"}]}""", "application/json");
                }
            }
        }, cancel);

        // The stub listens on loopback, so the client speaks plain HTTP to it, as to a local registry.
        using var api = new RegistryApi($"127.0.0.1:{port}", "robot", "s3cret-token");
        var manifest = await api.GetManifestAsync("lab/iperf", "1.0", cancel);
        await server;

        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Manifest))), manifest.Digest);
        Assert.Equal(manifest.Digest, manifest.HeaderDigest);
        Assert.Equal(new string('0', 64), manifest.ConfigDigest!["sha256:".Length..]);
        var token = Assert.Single(tokenRequests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("robot:s3cret-token")), token.Authorization);
        Assert.Equal("stub-registry", token.Service);
        Assert.Equal("repository:lab/iperf:pull", token.Scope);
    }

    private static async Task Write(HttpListenerResponse response, int status, string body, string type)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = type;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}
