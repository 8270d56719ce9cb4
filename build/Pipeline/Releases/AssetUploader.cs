using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// Uploads release assets by streaming the file to the release's upload_url, and reads small assets back.
/// Octokit reads a whole body into memory (a 256 MiB asset cost 500 MiB), so a box goes through HttpClient
/// with a StreamContent and a Content-Length: memory stays at the buffer size whatever the file's size.
/// </summary>
public sealed class AssetUploader : IDisposable
{
    /// <summary>GitHub refuses assets of 2 GiB or more.</summary>
    public const long MaxAssetBytes = 2L * 1024 * 1024 * 1024;

    private const int BufferBytes = 1 << 20;

    /// <summary>How often a taken name is cleared and the upload sent again before giving up.</summary>
    private const int MaxNameTaken = 5;

    private readonly HttpClient http;
    private readonly GitHubReleases releases;
    private readonly IBuildLog log;

    public AssetUploader(HttpMessageHandler handler, string token, GitHubReleases releases, IBuildLog log)
    {
        // The retry handler's waits (a Retry-After can be minutes) sit inside this client's timeout: keep it far beyond them.
        http = new HttpClient(handler) { Timeout = TimeSpan.FromHours(6) };
        http.DefaultRequestHeaders.UserAgent.Add(new System.Net.Http.Headers.ProductInfoHeaderValue("McastLab", "1.0"));
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        http.DefaultRequestHeaders.Add("X-GitHub-Api-Version", "2022-11-28");
        // The token travels in this header only; it is never part of a URL or a message.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        this.releases = releases;
        this.log = log;
    }

    /// <summary>
    /// Uploads a file as the named asset and returns the asset as GitHub stored it (its name may differ: see
    /// <see cref="GitHubAssetName"/>). A 422 "already_exists" means the name is taken: by a leftover, a race, or
    /// the "starter" asset a 5xx in the middle of an upload leaves, which the retry of that upload then meets
    /// (goreleaser#1382). Since any attempt can end that way, every one deletes that asset and sends the upload
    /// again (a few times at most). A 422 for an immutable release stops at once.
    /// </summary>
    public async Task<GitHubAsset> UploadAsync(GitHubRelease release, string path, string assetName, string contentType, CancellationToken cancellationToken)
    {
        var size = RefuseTooLarge(path);
        var url = new Uri(UploadBase(release) + "?name=" + Uri.EscapeDataString(assetName));
        for (var attempt = 1; ; attempt++)
        {
            var file = new FileStream(path, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, FileOptions.SequentialScan | FileOptions.Asynchronous);
            await using var stream = new ProgressStream(file, assetName, log);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StreamContent(stream, BufferBytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            request.Content.Headers.ContentLength = size;
            using var response = await Send(request, $"upload {assetName}", cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var stored = StoredAsset(body, assetName);
                var renamed = stored.Name == assetName ? "" : $" as {stored.Name} (GitHub's name for it)";
                log.Information($"Uploaded {assetName}{renamed} ({size:N0} bytes) to release {release.TagName}.");
                return stored;
            }
            if (response.StatusCode == HttpStatusCode.UnprocessableEntity && Message(body).Contains("immutable", StringComparison.OrdinalIgnoreCase))
            {
                throw new PipelineException($"Release {release.TagName} is published and immutable, so GitHub refused {assetName} (422: {Message(body)}); publish the boxes under a new version tag.");
            }
            if (response.StatusCode == HttpStatusCode.UnprocessableEntity && attempt <= MaxNameTaken && body.Contains("already_exists", StringComparison.Ordinal))
            {
                var taken = GitHubAssetName.Stored(assetName);
                var existing = (await releases.AssetsAsync(release, cancellationToken)).Where(a => a.Name == assetName || a.Name == taken).ToList();
                var states = string.Join(", ", existing.Select(a => a.State).Distinct(StringComparer.Ordinal));
                log.Warning($"GitHub refused {assetName} as a duplicate name (422; the existing asset is {(states.Length == 0 ? "gone" : states)}); deleting it and uploading again (attempt {attempt + 1}).");
                foreach (var asset in existing) await releases.DeleteAssetAsync(release, asset, cancellationToken);
                continue;
            }
            throw new PipelineException($"GitHub answered {(int)response.StatusCode} {response.ReasonPhrase} to the upload of {assetName} to release {release.TagName} ({Shorten(body)}); check the release and run PublishBoxes again.");
        }
    }

    /// <summary>The file's size; a file GitHub would refuse stops here, before anything is sent.</summary>
    public static long RefuseTooLarge(string path)
    {
        var size = new FileInfo(path).Length;
        if (size >= MaxAssetBytes)
        {
            throw new PipelineException($"{path} is {size:N0} bytes, and GitHub release assets must be smaller than 2 GiB; shrink the box (zero the free disk space before packaging, or give it a smaller disk) and build it again.");
        }
        return size;
    }

    /// <summary>The content of a small asset (a release's box list), through the API with the token.</summary>
    public async Task<string> DownloadTextAsync(GitHubAsset asset, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, asset.Url);
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var response = await Send(request, $"download {asset.Name}", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new PipelineException($"GitHub answered {(int)response.StatusCode} {response.ReasonPhrase} to the download of {asset.Name}; check the release it belongs to and run PublishBoxes again.");
        }
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    public void Dispose() => http.Dispose();

    private async Task<HttpResponseMessage> Send(HttpRequestMessage request, string action, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new PipelineException($"GitHub cannot be reached to {action} ({e.Message}); check --github-api-url and the network, then run again.");
        }
    }

    /// <summary>upload_url is a URI template ("…/assets{?name,label}"); the query is added by hand.</summary>
    private static string UploadBase(GitHubRelease release)
    {
        var template = release.UploadUrl;
        var brace = template.IndexOf('{', StringComparison.Ordinal);
        return brace < 0 ? template : template[..brace];
    }

    private static GitHubAsset StoredAsset(string body, string assetName)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            return new GitHubAsset
            {
                Id = root.GetProperty("id").GetInt64(),
                Name = root.GetProperty("name").GetString() ?? assetName,
                State = root.TryGetProperty("state", out var state) ? state.GetString() ?? "" : "",
                Size = root.TryGetProperty("size", out var size) ? size.GetInt64() : 0,
                Url = root.TryGetProperty("url", out var url) ? url.GetString() ?? "" : "",
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new PipelineException($"GitHub accepted {assetName} but its answer names no asset ({Shorten(body)}); check the release and run PublishBoxes again.");
        }
    }

    /// <summary>GitHub's error "message" from a JSON body, else the body itself.</summary>
    private static string Message(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("message", out var message) ? message.GetString() ?? "" : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
