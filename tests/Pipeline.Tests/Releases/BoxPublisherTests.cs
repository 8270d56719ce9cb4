using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Releases;

namespace McastLab.Pipeline.Tests.Releases;

public sealed class BoxPublisherTests : IDisposable
{
    private readonly PublishWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creates_the_release_once_and_finds_it_on_the_next_run()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);
        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        Assert.Single(stub.Requests, r => r.Method == "POST" && r.PathAndQuery == "/api/v3/repos/octo-org/mcastlab/releases");
        var release = Assert.Single(stub.Releases);
        Assert.False(release.Draft);
        Assert.Equal(
            ["SHA256SUMS", "docker-centos7-virtualbox.box", "docker-centos7-virtualbox.json", "docker-centos7.metadata.json", "mcastlab-boxes.json"],
            release.Assets.Select(a => a.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Finds_a_draft_release_by_listing_and_does_not_create_another()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        var draft = stub.AddRelease("v2.0.0", draft: true);
        stub.AddRelease("v1.0.0", draft: false);
        workspace.AddBox("docker-centos7-virtualbox");

        await workspace.Publisher(stub, "v2.0.0").PublishAsync(Cancel);

        Assert.DoesNotContain(stub.Requests, r => r.Method == "POST" && r.PathAndQuery.EndsWith("/releases", StringComparison.Ordinal));
        Assert.Contains(draft.Assets, a => a.Name == "docker-centos7-virtualbox.box");
        Assert.Empty(stub.Release("v1.0.0").Assets);
        Assert.Contains(workspace.Log.Lines, l => l.Contains("draft", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Replaces_assets_of_the_same_name_by_deleting_then_uploading()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        var release = stub.AddRelease("v1.0.0", draft: false);
        var old = stub.AddAsset(release, "docker-centos7-virtualbox.box", Encoding.UTF8.GetBytes("an older build"));
        var unrelated = stub.AddAsset(release, "notes.txt", Encoding.UTF8.GetBytes("kept"));
        var box = workspace.AddBox("docker-centos7-virtualbox", payload: "the new build");

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        var requests = stub.Requests.ToList();
        var delete = requests.FindIndex(r => r.Method == "DELETE" && r.PathAndQuery.EndsWith($"/releases/assets/{old.Id}", StringComparison.Ordinal));
        var upload = requests.FindIndex(r => r.Method == "POST" && r.PathAndQuery.EndsWith("?name=docker-centos7-virtualbox.box", StringComparison.Ordinal));
        Assert.InRange(delete, 0, upload - 1);
        var replaced = Assert.Single(release.Assets, a => a.Name == "docker-centos7-virtualbox.box");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(box))), replaced.Sha256);
        Assert.Contains(unrelated, release.Assets);
    }

    [Fact]
    public async Task A_422_on_a_duplicate_name_deletes_the_existing_asset_and_uploads_once_more()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        stub.AddRelease("v1.0.0", draft: false);
        var box = workspace.AddBox("docker-centos7-virtualbox");
        stub.RaceOnUpload("v1.0.0", "docker-centos7-virtualbox.box", Encoding.UTF8.GetBytes("someone else's upload"));

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        var uploads = stub.Requests.Where(r => r.Method == "POST" && r.PathAndQuery.EndsWith("?name=docker-centos7-virtualbox.box", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, uploads.Count);
        Assert.Single(stub.Requests, r => r.Method == "DELETE");
        var asset = Assert.Single(stub.Release("v1.0.0").Assets, a => a.Name == "docker-centos7-virtualbox.box");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(box))), asset.Sha256);
        Assert.Contains(workspace.Log.Lines, l => l.Contains("422", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refuses_a_box_of_2_GiB_before_any_request()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        var huge = workspace.AddBox("k8s-centos7-virtualbox", "mcastlab/k8s-centos7");
        using (var file = new FileStream(huge, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(AssetUploader.MaxAssetBytes); // sparse: no 2 GiB is written
        }

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel));

        Assert.Contains("k8s-centos7-virtualbox.box is 2,147,483,648 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("smaller than 2 GiB", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task Retries_5xx_answers_of_the_API_and_of_uploads()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.Fail("GET", "/api/v3/repos/octo-org/mcastlab/releases", 502, times: 2);

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);
        workspace.AddBox("docker-centos7-virtualbox", payload: "a rebuilt box"); // changed: uploaded again
        stub.Fail("POST", "name=docker-centos7-virtualbox.box", 503);
        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        Assert.Equal(2, workspace.Log.Lines.Count(l => l.Contains("GitHub answered 502", StringComparison.Ordinal)));
        Assert.Single(workspace.Log.Lines, l => l.Contains("GitHub answered 503", StringComparison.Ordinal));
        // The 503 left a starter asset: the retry met 422 already_exists, deleted it and uploaded once more.
        Assert.Equal(4, stub.Requests.Count(r => r.Method == "POST" && r.PathAndQuery.EndsWith("name=docker-centos7-virtualbox.box", StringComparison.Ordinal)));
        var asset = Assert.Single(stub.Release("v1.0.0").Assets, a => a.Name == "docker-centos7-virtualbox.box");
        Assert.Equal(new FileInfo(Path.Combine(workspace.Boxes, "docker-centos7-virtualbox.box")).Length, asset.Size);
    }

    [Fact]
    public async Task A_starter_asset_left_by_a_5xx_is_deleted_and_the_upload_sent_again_on_every_attempt()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        var box = workspace.AddBox("docker-centos7-virtualbox");
        const string Upload = "name=docker-centos7-virtualbox.box";
        // 503 (a starter stays), the retry meets it (422), it is deleted, the next upload fails with 503 again
        // (another starter), and that retry meets 422 too: the second clearing of the name is the one that counts.
        stub.Fail("POST", Upload, 503);
        stub.Pass("POST", Upload);
        stub.Fail("POST", Upload, 503);

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        Assert.Equal(5, stub.Requests.Count(r => r.Method == "POST" && r.PathAndQuery.EndsWith(Upload, StringComparison.Ordinal)));
        Assert.Equal(2, stub.Requests.Count(r => r.Method == "DELETE"));
        var asset = Assert.Single(stub.Release("v1.0.0").Assets, a => a.Name == "docker-centos7-virtualbox.box");
        Assert.Equal(("uploaded", Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(box)))), (asset.State, asset.Sha256));
        Assert.Equal(2, workspace.Log.Lines.Count(l => l.Contains("422; the existing asset is starter", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(429)]
    [InlineData(403)] // a secondary rate limit
    public async Task Waits_as_long_as_Retry_After_asks_on_rate_limits(int status)
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.Fail("POST", "name=docker-centos7-virtualbox.box", status, 1, ("Retry-After", "1"));

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        var uploads = stub.Requests.Where(r => r.PathAndQuery.EndsWith("name=docker-centos7-virtualbox.box", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, uploads.Count);
        Assert.True(uploads[1].At - uploads[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {(uploads[1].At - uploads[0].At).TotalMilliseconds} ms");
        Assert.Single(stub.Release("v1.0.0").Assets, a => a.Name == "docker-centos7-virtualbox.box");
    }

    [Fact]
    public async Task A_secondary_rate_limit_without_Retry_After_waits_before_retrying()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.FailWithMessage("POST", "name=docker-centos7-virtualbox.box", 403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.");

        // GitHub asks for at least a minute; the cap shortens it to one second here.
        await workspace.Publisher(stub, "v1.0.0", PublishWorkspace.FastRetries with { MaxDelay = TimeSpan.FromSeconds(1) }).PublishAsync(Cancel);

        var uploads = stub.Requests.Where(r => r.PathAndQuery.EndsWith("name=docker-centos7-virtualbox.box", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, uploads.Count);
        Assert.True(uploads[1].At - uploads[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {(uploads[1].At - uploads[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_403_for_a_missing_permission_is_not_retried()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.FailWithMessage("POST", "/api/v3/repos/octo-org/mcastlab/releases", 403, "Resource not accessible by integration");

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel));

        Assert.StartsWith("GitHub refused to create the release v1.0.0 in octo-org/mcastlab (403: Resource not accessible by integration)", error.Message, StringComparison.Ordinal);
        Assert.Single(stub.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task Gives_up_after_the_retries_with_one_sentence()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.Fail("GET", "/api/v3/repos/octo-org/mcastlab/releases", 500, times: 10);

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel));

        Assert.StartsWith("GitHub answered 500 when trying to list the releases in octo-org/mcastlab", error.Message, StringComparison.Ordinal);
        Assert.Equal(1 + PublishWorkspace.FastRetries.MaxRetries, stub.Requests.Count);
    }

    [Fact]
    public async Task The_token_goes_only_into_the_Authorization_header()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.Fail("GET", "/api/v3/repos/octo-org/mcastlab/releases", 503);
        stub.Fail("POST", "name=docker-centos7-virtualbox.box", 429, 1, ("Retry-After", "0"));

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        Assert.NotEmpty(stub.Requests);
        foreach (var request in stub.Requests)
        {
            Assert.EndsWith(workspace.Token, request.Headers["Authorization"], StringComparison.Ordinal);
            Assert.DoesNotContain(workspace.Token, request.PathAndQuery, StringComparison.Ordinal);
            Assert.DoesNotContain(request.Headers, h => h.Key != "Authorization" && h.Value.Contains(workspace.Token, StringComparison.Ordinal));
            Assert.DoesNotContain(workspace.Token, Encoding.UTF8.GetString(request.Body ?? []), StringComparison.Ordinal);
        }
        Assert.NotEmpty(workspace.Log.Lines);
        Assert.DoesNotContain(workspace.Log.Lines, l => l.Contains(workspace.Token, StringComparison.Ordinal));
        foreach (var file in Directory.GetFiles(workspace.Artifacts, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".box", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(workspace.Token, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_rejected_token_ends_with_one_sentence_that_does_not_show_it()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        var wrong = "ghp_" + Guid.NewGuid().ToString("N");

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0", token: wrong).PublishAsync(Cancel));

        Assert.StartsWith("GitHub rejected GITHUB_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(workspace.Log.Lines, l => l.Contains(wrong, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_catalog_lists_every_published_version_with_download_URLs_and_sha256()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        var first = workspace.AddBox("docker-centos7-virtualbox", payload: "1.0.0");
        var firstSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(first)));
        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);
        workspace.AddBox("docker-centos7-virtualbox", payload: "1.1.0");
        workspace.AddBox("k8s-centos7-virtualbox", "mcastlab/k8s-centos7");
        stub.AddRelease("v1.0.5", draft: true); // a draft is not published: not in the catalog

        await workspace.Publisher(stub, "v1.1.0").PublishAsync(Cancel);

        var catalog = JsonNode.Parse(Assert.Single(stub.Release("v1.1.0").Assets, a => a.Name == "docker-centos7.metadata.json").Text)!;
        Assert.Equal("mcastlab/docker-centos7", (string?)catalog["name"]);
        var versions = catalog["versions"]!.AsArray();
        Assert.Equal(["1.0.0", "1.1.0"], versions.Select(v => (string?)v!["version"]));
        var provider = versions[0]!["providers"]![0]!;
        Assert.Equal("virtualbox", (string?)provider["name"]);
        Assert.Equal(new Uri(stub.BaseUrl, "octo-org/mcastlab/releases/download/v1.0.0/docker-centos7-virtualbox.box").AbsoluteUri, (string?)provider["url"]);
        Assert.Equal("sha256", (string?)provider["checksum_type"]);
        Assert.Equal(firstSha, (string?)provider["checksum"]);
        Assert.Contains(stub.Release("v1.1.0").Assets, a => a.Name == "k8s-centos7.metadata.json");

        // The earlier release's box list came through the API's redirect to storage, where the token must not go.
        var storage = Assert.Single(stub.Requests, r => r.PathAndQuery.StartsWith("/storage/", StringComparison.Ordinal));
        Assert.False(storage.Headers.ContainsKey("Authorization"));

        var sums = Assert.Single(stub.Release("v1.1.0").Assets, a => a.Name == "SHA256SUMS").Text;
        var k8s = Path.Combine(workspace.Boxes, "k8s-centos7-virtualbox.box");
        Assert.Contains($"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(k8s)))}  k8s-centos7-virtualbox.box\n", sums, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_metadata_stops_before_any_request_with_one_sentence()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        File.Delete(Path.Combine(workspace.Boxes, "docker-centos7-virtualbox.json"));

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel));

        Assert.StartsWith("docker-centos7-virtualbox.box has no metadata", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public void Box_metadata_may_be_a_local_Vagrant_catalog()
    {
        workspace.AddBox("k8s-centos7-virtualbox", "mcastlab/k8s-centos7");
        File.Delete(Path.Combine(workspace.Boxes, "k8s-centos7-virtualbox.json"));
        File.WriteAllText(Path.Combine(workspace.Boxes, "k8s-centos7.json"), """
            {"name": "mcastlab/k8s-centos7", "versions": [{"version": "0.0.0", "providers": [
              {"name": "virtualbox", "url": "file:///somewhere/artifacts/boxes/k8s-centos7-virtualbox.box", "checksum_type": "sha256", "checksum": "00"}]}]}
            """);

        var box = Assert.Single(BoxDirectory.Read(workspace.Boxes));

        Assert.Equal(("mcastlab/k8s-centos7", "virtualbox", "k8s-centos7.json"), (box.Name, box.Provider, box.MetadataAssetName));
    }

    /// <summary>The layout the Boxes target writes: NAME.PROVIDER.box, NAME.PROVIDER.json (bento-like) and NAME/metadata.json.</summary>
    private (string Box, string Sha256) AddBoxAsTheBoxesTargetWrites(string name, string? recordedSha256 = null)
    {
        var built = workspace.AddBox("built");
        var box = Path.Combine(workspace.Boxes, $"{name}.virtualbox.box");
        File.Move(built, box);
        File.Delete(Path.Combine(workspace.Boxes, "built.json"));
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(box)));
        File.WriteAllText(Path.Combine(workspace.Boxes, $"{name}.virtualbox.json"), $$"""
            {"name": "{{name}}", "version": "20261128.090000", "provider": "virtualbox", "os": "centos7",
             "box_file": "{{name}}.virtualbox.box", "size": 305, "sha256": "{{recordedSha256 ?? sha256}}", "git_revision": "abc"}
            """);
        Directory.CreateDirectory(Path.Combine(workspace.Boxes, name));
        File.WriteAllText(Path.Combine(workspace.Boxes, name, "metadata.json"), $$"""
            {"name": "{{name}}", "versions": [{"version": "20261128.090000", "providers": [{"name": "virtualbox", "url": "{{new Uri(box).AbsoluteUri}}", "checksum_type": "sha256", "checksum": "{{sha256}}"}]}]}
            """);
        return (box, sha256);
    }

    [Fact]
    public async Task Publishes_boxes_in_the_layout_the_Boxes_target_writes()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        var (_, sha256) = AddBoxAsTheBoxesTargetWrites("docker-centos7");

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel);

        var release = stub.Release("v1.0.0");
        Assert.Equal(
            ["SHA256SUMS", "docker-centos7.metadata.json", "docker-centos7.virtualbox.box", "docker-centos7.virtualbox.json", "mcastlab-boxes.json"],
            release.Assets.Select(a => a.Name).Order(StringComparer.Ordinal));
        var catalog = JsonNode.Parse(release.Assets.Single(a => a.Name == "docker-centos7.metadata.json").Text)!;
        Assert.Equal("docker-centos7", (string?)catalog["name"]);
        Assert.Equal("1.0.0", (string?)catalog["versions"]![0]!["version"]);
        Assert.Equal(sha256, (string?)catalog["versions"]![0]!["providers"]![0]!["checksum"]);
    }

    [Fact]
    public async Task Refuses_a_box_that_changed_after_its_metadata_was_written()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        AddBoxAsTheBoxesTargetWrites("docker-centos7", recordedSha256: new string('0', 64));

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0").PublishAsync(Cancel));

        Assert.StartsWith("docker-centos7.virtualbox.box no longer matches the sha256 in docker-centos7.virtualbox.json", error.Message, StringComparison.Ordinal);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task Ctrl_C_while_waiting_for_a_retry_stops_at_once_with_one_sentence()
    {
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        workspace.AddBox("docker-centos7-virtualbox");
        stub.Fail("POST", "name=docker-centos7-virtualbox.box", 429, 1, ("Retry-After", "60"));
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        interrupt.CancelAfter(TimeSpan.FromSeconds(2));
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<PipelineException>(() => workspace.Publisher(stub, "v1.0.0", PublishWorkspace.FastRetries with { MaxDelay = TimeSpan.FromMinutes(2) }).PublishAsync(interrupt.Token));

        Assert.StartsWith("PublishBoxes was interrupted", error.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"stopped after {watch.Elapsed}");
    }
}
