using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Releases;

namespace McastLab.Pipeline.Tests.Releases;

/// <summary>Draft → upload → publish, immutable releases, resuming, "latest", GitHub's URL layouts and asset renaming.</summary>
public sealed class ReleaseLifecycleTests : IDisposable
{
    private readonly PublishWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task Creates_a_draft_uploads_every_asset_then_publishes_so_an_immutable_release_gets_its_boxes()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        stub.ImmutableReleases = true;
        workspace.AddBox("docker-centos7-virtualbox");

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        var requests = stub.Requests.ToList();
        var create = Assert.Single(requests, r => r.Method == "POST" && r.PathAndQuery == "/api/v3/repos/octo-org/mcastlab/releases");
        Assert.Equal(true, (bool?)JsonNode.Parse(create.Body)!["draft"]);
        var publish = requests.FindIndex(r => r.Method == "PATCH");
        Assert.Equal(false, (bool?)JsonNode.Parse(requests[publish].Body)!["draft"]);
        Assert.Equal(publish, requests.FindLastIndex(r => r.Method != "GET"));
        var release = stub.Release("v1.0.0");
        Assert.True(release.Immutable);
        Assert.Equal(
            ["SHA256SUMS", "docker-centos7-virtualbox.box", "docker-centos7-virtualbox.json", "docker-centos7.metadata.json", "mcastlab-boxes.json"],
            release.Assets.Select(a => a.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_published_immutable_release_is_refused_before_anything_is_sent()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        stub.AddRelease("v1.0.0", draft: false, immutable: true);
        workspace.AddBox("docker-centos7-virtualbox");

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel));

        Assert.Equal("Release v1.0.0 of octo-org/mcastlab is published and immutable, so GitHub accepts no asset for it any more; publish the boxes under a new version tag.", error.Message);
        Assert.All(stub.Requests, r => Assert.Equal("GET", r.Method));
    }

    [Fact]
    public async Task GitHubs_immutable_422_on_an_upload_stops_at_once_instead_of_being_taken_for_a_duplicate()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        // Published (and frozen) by someone else between our listing and our upload: GitHub's own answer.
        stub.FailWithMessage("POST", "name=docker-centos7-virtualbox.box", 422, "Cannot upload assets to an immutable release.");

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel));

        Assert.StartsWith("Release v1.0.0 is published and immutable, so GitHub refused docker-centos7-virtualbox.box (422: Cannot upload assets to an immutable release.)", error.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests, r => r.Method == "POST" && r.PathAndQuery.Contains("name=", StringComparison.Ordinal));
        Assert.DoesNotContain(stub.Requests, r => r.Method == "DELETE");
        Assert.DoesNotContain(workspace.Log.Lines, l => l.Contains("duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rerun_finishes_a_draft_that_holds_some_assets_keeping_the_finished_ones()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        stub.ImmutableReleases = true;
        var docker = workspace.AddBox("docker-centos7-virtualbox");
        workspace.AddBox("k8s-centos7-virtualbox", "mcastlab/k8s-centos7", payload: "k8s");
        // An earlier run stopped after the first box and half of the second.
        var draft = stub.AddRelease("v1.0.0", draft: true);
        stub.AddAsset(draft, "docker-centos7-virtualbox.box", File.ReadAllBytes(docker));
        stub.AddAsset(draft, "k8s-centos7-virtualbox.box", Encoding.UTF8.GetBytes("half a box"));

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        Assert.DoesNotContain(stub.Requests, r => r.Method == "POST" && r.PathAndQuery.EndsWith("name=docker-centos7-virtualbox.box", StringComparison.Ordinal));
        Assert.Single(stub.Requests, r => r.Method == "POST" && r.PathAndQuery.EndsWith("name=k8s-centos7-virtualbox.box", StringComparison.Ordinal));
        Assert.Contains(workspace.Log.Lines, l => l.StartsWith("Kept asset docker-centos7-virtualbox.box", StringComparison.Ordinal));
        var release = stub.Release("v1.0.0");
        Assert.False(release.Draft);
        Assert.Equal(Sha256(Path.Combine(workspace.Boxes, "k8s-centos7-virtualbox.box")), release.Assets.Single(a => a.Name == "k8s-centos7-virtualbox.box").Sha256);
        Assert.Equal(8, release.Assets.Count); // 2 boxes, 2 metadata, SHA256SUMS, the box list, 2 catalogs
    }

    [Fact]
    public async Task Only_the_highest_plain_version_becomes_GitHubs_latest_release()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");

        await workspace.Publisher(stub, "v1.1.0").PublishAsync(Cancel);
        await workspace.Publisher(stub, "v1.0.1").PublishAsync(Cancel); // a patch on the older line
        await workspace.Publisher(stub, "v1.2.0").PublishAsync(Cancel);

        Assert.Equal(("true", "false", "true"), (stub.Release("v1.1.0").MakeLatest, stub.Release("v1.0.1").MakeLatest, stub.Release("v1.2.0").MakeLatest));
    }

    [Theory]
    [InlineData(GitHubLayout.GitHubCom, "api.github.com", "uploads.github.com")]
    [InlineData(GitHubLayout.DataResidency, "api.octo.ghe.com", "uploads.octo.ghe.com")]
    [InlineData(GitHubLayout.EnterpriseServer, "127.0.0.1", "127.0.0.1")]
    public async Task Publishes_in_each_of_GitHubs_URL_layouts(GitHubLayout layout, string apiHost, string uploadHost)
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token, layout);
        workspace.AddBox("docker-centos7-virtualbox");

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        Assert.All(stub.Requests.Where(r => !r.PathAndQuery.Contains("?name=", StringComparison.Ordinal)), r => Assert.Equal(apiHost, r.Host));
        Assert.All(stub.Requests.Where(r => r.PathAndQuery.Contains("?name=", StringComparison.Ordinal)), r => Assert.Equal(uploadHost, r.Host));
        var catalog = JsonNode.Parse(stub.Release("v1.0.0").Assets.Single(a => a.Name == "docker-centos7.metadata.json").Text)!;
        Assert.Equal(new Uri(stub.WebUrl, "octo-org/mcastlab/releases/download/v1.0.0/docker-centos7-virtualbox.box").AbsoluteUri,
            (string?)catalog["versions"]![0]!["providers"]![0]!["url"]);
        Assert.False(stub.Release("v1.0.0").Draft);
    }

    [Fact]
    public async Task Catalogs_and_sums_name_assets_as_GitHub_renamed_them_and_a_rerun_replaces_them()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker centos7 (vb)~1");

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);
        workspace.AddBox("docker centos7 (vb)~1", payload: "rebuilt");
        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        var release = stub.Release("v1.0.0");
        var box = Assert.Single(release.Assets, a => a.Name.EndsWith(".box", StringComparison.Ordinal));
        Assert.Equal("docker.centos7.vb.1.box", box.Name);
        Assert.Equal(Sha256(Path.Combine(workspace.Boxes, "docker centos7 (vb)~1.box")), box.Sha256);
        var catalog = JsonNode.Parse(release.Assets.Single(a => a.Name == "docker-centos7.metadata.json").Text)!;
        Assert.EndsWith("/releases/download/v1.0.0/docker.centos7.vb.1.box", (string?)catalog["versions"]![0]!["providers"]![0]!["url"], StringComparison.Ordinal);
        Assert.Contains($"  docker.centos7.vb.1.box\n", release.Assets.Single(a => a.Name == "SHA256SUMS").Text, StringComparison.Ordinal);
        Assert.Contains("\"asset\": \"docker.centos7.vb.1.box\"", release.Assets.Single(a => a.Name == "mcastlab-boxes.json").Text, StringComparison.Ordinal);
        Assert.DoesNotContain(workspace.Log.Lines, l => l.Contains("duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bare_429_waits_as_for_a_secondary_rate_limit()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.Fail("GET", "/api/v3/repos/octo-org/mcastlab/releases", 429);
        stub.Fail("POST", "name=docker-centos7-virtualbox.box", 429);

        // GitHub asks for at least a minute; the test's cap makes that one second, which the log shows.
        await workspace.Publisher(stub, "v1.0.0", PublishWorkspace.FastRetries with { MaxDelay = TimeSpan.FromSeconds(1) }).PublishAsync(Cancel);

        Assert.Equal(2, workspace.Log.Lines.Count(l => l.Contains("answered 429", StringComparison.Ordinal) && l.EndsWith("retry 1 of 4 in 1 s.", StringComparison.Ordinal)));
        Assert.Single(stub.Release("v1.0.0").Assets, a => a.Name == "docker-centos7-virtualbox.box");
    }

    [Fact]
    public async Task The_stub_like_GitHub_refuses_uploads_without_Content_Length_or_Content_Type()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        var release = stub.AddRelease("v1.0.0", draft: true);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", workspace.Token);
        var url = new Uri(stub.BaseUrl, $"api/uploads/repos/octo-org/mcastlab/releases/{release.Id}/assets?name=a.box");

        // A stream of unknown length goes out chunked, without Content-Length.
        using var chunked = new StreamContent(new NonSeekableStream(new byte[10]));
        chunked.Headers.ContentType = new("application/octet-stream");
        using var noLength = await http.PostAsync(url, chunked, Cancel);
        using var noType = await http.PostAsync(url, new ByteArrayContent(new byte[10]), Cancel);

        Assert.Equal((400, 400), ((int)noLength.StatusCode, (int)noType.StatusCode));
        Assert.Empty(release.Assets);
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
