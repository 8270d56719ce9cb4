using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace McastLab.Pipeline.Tests.Releases;

/// <summary>The three URL layouts of GitHub (see <see cref="GitHubHost"/>).</summary>
public enum GitHubLayout
{
    /// <summary>One host: REST under /api/v3, uploads under /api/uploads, downloads at the root.</summary>
    EnterpriseServer,

    /// <summary>api.github.com, uploads.github.com, github.com.</summary>
    GitHubCom,

    /// <summary>Enterprise Cloud with data residency: api.octo.ghe.com, uploads.octo.ghe.com, octo.ghe.com.</summary>
    DataResidency,
}

/// <summary>
/// A stub of the GitHub releases API on 127.0.0.1 (random port) in one of GitHub's URL layouts: the host names
/// of github.com and ghe.com reach it through <see cref="Transport"/>, and a request on the wrong host or path
/// is a 404, as it would be. Asset content comes through the API as a redirect to /storage/{id} (GitHub's storage host).
/// It behaves like GitHub where the pipeline depends on it: 422 on a duplicate asset name; drafts only in the
/// list; immutable releases (when on, publishing freezes the assets: uploads answer GitHub's 422 "Cannot upload
/// assets to an immutable release."); asset names renamed as GitHub renames them; uploads need Content-Type and
/// Content-Length; "digest" on assets; 401 on a wrong token. It records every request and can answer with
/// injected faults. Upload bodies are read in a stream and only small ones are kept, so it adds no memory of its own.
/// </summary>
public sealed partial class GitHubStub : IAsyncDisposable
{
    public const string Owner = "octo-org";
    public const string Repo = "mcastlab";
    private const int KeptBytes = 1 << 20;

    private readonly WebApplication app;
    private readonly string token;
    private readonly Lock gate = new();
    private readonly List<StubRelease> releases = [];
    private readonly ConcurrentQueue<Fault> faults = new();
    private readonly List<(string Tag, string Name, byte[] Content)> races = [];
    private int nextId = 100;

    private GitHubStub(WebApplication app, string token, GitHubLayout layout)
    {
        this.app = app;
        this.token = token;
        Layout = layout;
    }

    public GitHubLayout Layout { get; }

    /// <summary>The stub's own address (storage, and every role in the Enterprise Server layout).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>What a user passes as --github-api-url for this layout.</summary>
    public Uri ApiUrl => Layout switch
    {
        GitHubLayout.GitHubCom => Url("api.github.com", ""),
        GitHubLayout.DataResidency => Url("api.octo.ghe.com", ""),
        _ => BaseUrl,
    };

    /// <summary>Where release downloads are served in this layout.</summary>
    public Uri WebUrl => Layout switch
    {
        GitHubLayout.GitHubCom => new Uri("https://github.com/"),
        GitHubLayout.DataResidency => Url("octo.ghe.com", ""),
        _ => BaseUrl,
    };

    /// <summary>When on, publishing a release makes it immutable (the repository setting).</summary>
    public bool ImmutableReleases { get; set; }

    /// <summary>Connections for every host name of the layout go to the stub's port (no DNS, no TLS here).</summary>
    public Func<HttpMessageHandler> Transport => () => new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, BaseUrl.Port), cancellationToken);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        },
    };

    private string ApiHost => Layout switch { GitHubLayout.GitHubCom => "api.github.com", GitHubLayout.DataResidency => "api.octo.ghe.com", _ => "127.0.0.1" };
    private string UploadHost => Layout switch { GitHubLayout.GitHubCom => "uploads.github.com", GitHubLayout.DataResidency => "uploads.octo.ghe.com", _ => "127.0.0.1" };
    private string WebHost => Layout switch { GitHubLayout.GitHubCom => "github.com", GitHubLayout.DataResidency => "octo.ghe.com", _ => "127.0.0.1" };
    private string ApiPrefix => Layout == GitHubLayout.EnterpriseServer ? "/api/v3" : "";
    private string UploadPrefix => Layout == GitHubLayout.EnterpriseServer ? "/api/uploads" : "";

    private Uri Url(string host, string path) => new($"http://{host}:{BaseUrl.Port}/{path}");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<GitHubStub> StartAsync(string token, GitHubLayout layout = GitHubLayout.EnterpriseServer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = null;
            o.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var stub = new GitHubStub(app, token, layout);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        stub.BaseUrl = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Answers the next request that matches with this status (and headers), before anything else.</summary>
    public void Fail(string method, string pathContains, int status, int times = 1, params (string Name, string Value)[] headers)
    {
        for (var i = 0; i < times; i++) faults.Enqueue(new Fault(method, pathContains, status, headers, "injected fault"));
    }

    /// <summary>Lets the next matching request through as usual, so that faults queued after it hit a later one.</summary>
    public void Pass(string method, string pathContains) => faults.Enqueue(new Fault(method, pathContains, 0, [], ""));

    /// <summary>Answers the next matching request with this status and GitHub error message, without headers.</summary>
    public void FailWithMessage(string method, string pathContains, int status, string message) =>
        faults.Enqueue(new Fault(method, pathContains, status, [], message));

    /// <summary>Another uploader adds this asset just before our first upload of it arrives: GitHub answers 422.</summary>
    public void RaceOnUpload(string tag, string name, byte[] content)
    {
        lock (gate) races.Add((tag, name, content));
    }

    public StubRelease AddRelease(string tag, bool draft, bool immutable = false)
    {
        lock (gate)
        {
            var release = new StubRelease(nextId++, tag) { Draft = draft, Immutable = immutable && !draft };
            releases.Add(release);
            return release;
        }
    }

    public StubAsset AddAsset(StubRelease release, string name, byte[] content)
    {
        lock (gate)
        {
            var asset = new StubAsset(nextId++, name, content.Length, Convert.ToHexStringLower(SHA256.HashData(content)), content);
            release.Assets.Add(asset);
            return asset;
        }
    }

    public IReadOnlyList<StubRelease> Releases
    {
        get { lock (gate) return releases.ToList(); }
    }

    public StubRelease Release(string tag) => Releases.Single(r => r.Tag == tag);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var recorded = new RecordedRequest(
            request.Method,
            request.Host.Host,
            path + request.QueryString.Value,
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            DateTimeOffset.UtcNow);
        Requests.Enqueue(recorded);

        if (faults.TryPeek(out var fault) && fault.Method == request.Method && recorded.PathAndQuery.Contains(fault.PathContains, StringComparison.Ordinal)
            && faults.TryDequeue(out fault) && fault.Status != 0)
        {
            await Drain(request, recorded);
            // As GitHub does when an upload fails half-way: the name keeps a "starter" asset, and the retry gets
            // 422 already_exists until it is deleted (goreleaser#1382).
            if (fault.Status >= 500 && request.Method == "POST" && request.Host.Host == UploadHost && UploadPath().Match(path) is { Success: true } upload
                && Find(long.Parse(upload.Groups[1].Value, CultureInfo.InvariantCulture)) is { } target && request.Query["name"].ToString() is { Length: > 0 } starterName)
            {
                lock (gate) target.Assets.Add(new StubAsset(nextId++, Renamed(starterName), 0, null, null) { State = "starter" });
            }
            foreach (var (name, value) in fault.Headers) context.Response.Headers[name] = value;
            await Reply(context, fault.Status, new JsonObject { ["message"] = fault.Message });
            return;
        }

        Match m;
        var host = request.Host.Host;
        // Release downloads of a public repository need no token; everything else does.
        var download = request.Method is "GET" or "HEAD" && host == WebHost && DownloadPath().IsMatch(path);
        if (request.Method == "GET" && host == "127.0.0.1" && (m = StoragePath().Match(path)).Success)
        {
            var stored = FindAsset(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Asset;
            context.Response.StatusCode = stored is null ? 404 : 200;
            context.Response.ContentType = "application/octet-stream";
            if (stored?.Content is { } content) await context.Response.Body.WriteAsync(content);
            return;
        }
        // Schemes are case-insensitive (Octokit sends "Token", the uploader "Bearer"); the credential is not.
        var authorization = request.Headers.Authorization.ToString().Split(' ', 2);
        if (!download && authorization.Length != 2 || !download && (authorization[0].ToLowerInvariant() is not ("token" or "bearer") || authorization[1] != token))
        {
            await Drain(request, recorded);
            await Reply(context, 401, new JsonObject { ["message"] = "Bad credentials" });
            return;
        }

        // Each role answers only on its own host (and, for Enterprise Server, its own path prefix).
        var prefix = host == ApiHost ? $"{ApiPrefix}/repos/{Owner}/{Repo}/releases" : "\0";
        var uploads = host == UploadHost ? $"{UploadPrefix}/repos/{Owner}/{Repo}/releases/" : "\0";
        if (request.Method == "GET" && path == prefix)
        {
            await Reply(context, 200, new JsonArray(Releases.Select(ReleaseJson).ToArray<JsonNode?>()));
        }
        else if (request.Method == "POST" && path == prefix)
        {
            var body = await Drain(request, recorded);
            var json = JsonNode.Parse(body)!;
            var tag = (string)json["tag_name"]!;
            if (Releases.Any(r => r.Tag == tag))
            {
                await Reply(context, 422, new JsonObject { ["message"] = "Validation Failed", ["errors"] = new JsonArray(new JsonObject { ["code"] = "already_exists", ["field"] = "tag_name" }) });
                return;
            }
            var release = AddRelease(tag, (bool?)json["draft"] ?? false);
            if (!release.Draft) Publish(release, (string?)json["make_latest"]);
            await Reply(context, 201, ReleaseJson(release));
        }
        else if (request.Method == "PATCH" && (m = ReleasePath().Match(path)).Success && path.StartsWith(prefix, StringComparison.Ordinal))
        {
            var json = JsonNode.Parse(await Drain(request, recorded))!;
            var release = Find(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            if (release is null)
            {
                await Reply(context, 404, new JsonObject { ["message"] = "Not Found" });
                return;
            }
            if (release.Draft && (bool?)json["draft"] == false) Publish(release, (string?)json["make_latest"]);
            await Reply(context, 200, ReleaseJson(release));
        }
        else if (request.Method == "GET" && (m = TagPath().Match(path)).Success && path.StartsWith(prefix, StringComparison.Ordinal))
        {
            // Like GitHub: a draft is not found by its tag.
            var release = Releases.FirstOrDefault(r => r.Tag == m.Groups[1].Value && !r.Draft);
            await Reply(context, release is null ? 404 : 200, release is null ? new JsonObject { ["message"] = "Not Found" } : ReleaseJson(release));
        }
        else if (request.Method == "GET" && (m = AssetsPath().Match(path)).Success && path.StartsWith(prefix, StringComparison.Ordinal))
        {
            var release = Find(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            await Reply(context, release is null ? 404 : 200, release is null ? new JsonObject { ["message"] = "Not Found" } : new JsonArray(Assets(release).Select(a => AssetJson(release, a)).ToArray<JsonNode?>()));
        }
        else if ((m = AssetPath().Match(path)).Success && path.StartsWith(prefix, StringComparison.Ordinal) && request.Method is "DELETE" or "GET")
        {
            var id = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var (release, asset) = FindAsset(id);
            if (asset is null)
            {
                await Reply(context, 404, new JsonObject { ["message"] = "Not Found" });
            }
            else if (request.Method == "DELETE" && release!.Immutable)
            {
                await Reply(context, 422, new JsonObject { ["message"] = "Cannot delete assets of an immutable release.", ["documentation_url"] = "https://docs.github.com/rest" });
            }
            else if (request.Method == "DELETE")
            {
                lock (gate) release!.Assets.Remove(asset);
                context.Response.StatusCode = 204;
            }
            else if (request.Headers.Accept.ToString().Contains("application/octet-stream", StringComparison.Ordinal))
            {
                // Like GitHub: the content comes from a storage host, through a redirect the token must not follow.
                context.Response.Redirect(new Uri(BaseUrl, $"storage/{asset.Id}").AbsoluteUri);
            }
            else
            {
                await Reply(context, 200, AssetJson(release!, asset));
            }
        }
        else if (request.Method == "POST" && path.StartsWith(uploads, StringComparison.Ordinal) && (m = UploadPath().Match(path)).Success)
        {
            await UploadAsync(context, recorded, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        }
        else if (download && (m = DownloadPath().Match(path)).Success)
        {
            // Like GitHub: every release download, a catalog included, is served as octet-stream.
            var release = Releases.FirstOrDefault(r => r.Tag == Uri.UnescapeDataString(m.Groups[1].Value) && !r.Draft);
            var asset = release is null ? null : Assets(release).FirstOrDefault(a => a.Name == Uri.UnescapeDataString(m.Groups[2].Value));
            if (asset?.Content is null)
            {
                context.Response.StatusCode = 404;
                return;
            }
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = asset.Content.Length;
            if (request.Method == "GET") await context.Response.Body.WriteAsync(asset.Content);
        }
        else
        {
            await Drain(request, recorded);
            await Reply(context, 404, new JsonObject { ["message"] = "Not Found" });
        }
    }

    private async Task UploadAsync(HttpContext context, RecordedRequest recorded, long releaseId)
    {
        var release = Find(releaseId);
        var name = context.Request.Query["name"].ToString();
        if (release is null || name.Length == 0)
        {
            await Drain(context.Request, recorded);
            await Reply(context, 404, new JsonObject { ["message"] = "Not Found" });
            return;
        }
        // GitHub's answer, as logged against real immutable releases (softprops/action-gh-release#653:
        // "Cannot upload assets to an immutable release. - https://docs.github.com/rest").
        if (release.Immutable)
        {
            await Drain(context.Request, recorded);
            await Reply(context, 422, new JsonObject { ["message"] = "Cannot upload assets to an immutable release.", ["documentation_url"] = "https://docs.github.com/rest" });
            return;
        }
        if (context.Request.ContentLength is null || string.IsNullOrEmpty(context.Request.ContentType))
        {
            await Drain(context.Request, recorded);
            await Reply(context, 400, new JsonObject { ["message"] = context.Request.ContentLength is null ? "Bad Content-Length" : "Bad Content-Type" });
            return;
        }
        name = Renamed(name);
        lock (gate)
        {
            var race = races.FindIndex(r => r.Tag == release.Tag && Renamed(r.Name) == name);
            if (race >= 0)
            {
                AddAsset(release, name, races[race].Content);
                races.RemoveAt(race);
            }
        }
        await Drain(context.Request, recorded);
        if (Assets(release).Any(a => a.Name == name))
        {
            await Reply(context, 422, new JsonObject { ["message"] = "Validation Failed", ["errors"] = new JsonArray(new JsonObject { ["resource"] = "ReleaseAsset", ["code"] = "already_exists", ["field"] = "name" }) });
            return;
        }
        StubAsset asset;
        lock (gate)
        {
            asset = new StubAsset(nextId++, name, recorded.BodyLength, recorded.BodySha256, recorded.Body);
            release.Assets.Add(asset);
        }
        await Reply(context, 201, AssetJson(release, asset));
    }

    /// <summary>Reads the whole body in 64 KiB pieces, counts and hashes it; keeps it only when small.</summary>
    private static async Task<string> Drain(HttpRequest request, RecordedRequest recorded)
    {
        var buffer = new byte[64 * 1024];
        using var kept = new MemoryStream();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        int read;
        while ((read = await request.Body.ReadAsync(buffer)) > 0)
        {
            if (total + read <= KeptBytes) kept.Write(buffer, 0, read);
            hash.AppendData(buffer, 0, read);
            total += read;
        }
        recorded.BodyLength = total;
        recorded.Body = total <= KeptBytes ? kept.ToArray() : null;
        recorded.BodySha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        return Encoding.UTF8.GetString(recorded.Body ?? []);
    }

    /// <summary>
    /// GitHub's renaming, as observed on uploads (travis-ci/dpl#821, actions/upload-release-asset#57,
    /// softprops/action-gh-release#159): a character other than a letter, digit, '_' or '-' becomes '.', a run
    /// of them one '.', and leading or trailing dots go.
    /// </summary>
    private static string Renamed(string name)
    {
        var renamed = new StringBuilder();
        foreach (var c in name)
        {
            var kept = char.IsAsciiLetterOrDigit(c) || c is '_' or '-';
            if (kept) renamed.Append(c);
            else if (renamed.Length == 0 || renamed[^1] != '.') renamed.Append('.');
        }
        return renamed.ToString().Trim('.');
    }

    private void Publish(StubRelease release, string? makeLatest)
    {
        lock (gate)
        {
            release.Draft = false;
            release.Immutable = ImmutableReleases;
            release.MakeLatest = makeLatest;
        }
    }

    private static Task Reply(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private StubRelease? Find(long id) => Releases.FirstOrDefault(r => r.Id == id);

    private (StubRelease? Release, StubAsset? Asset) FindAsset(long id)
    {
        lock (gate)
        {
            foreach (var release in releases)
            {
                var asset = release.Assets.FirstOrDefault(a => a.Id == id);
                if (asset is not null) return (release, asset);
            }
        }
        return (null, null);
    }

    private List<StubAsset> Assets(StubRelease release)
    {
        lock (gate) return release.Assets.ToList();
    }

    private JsonObject ReleaseJson(StubRelease release)
    {
        var api = Url(ApiHost, $"{ApiPrefix.TrimStart('/')}{(ApiPrefix.Length > 0 ? "/" : "")}repos/{Owner}/{Repo}/releases/{release.Id}").AbsoluteUri;
        // GitHub gives drafts an untagged-… html URL; the real tag URL exists once published.
        var htmlTag = release.Draft ? "untagged-" + release.Id : release.Tag;
        return new JsonObject
        {
            ["id"] = release.Id,
            ["node_id"] = "RE_" + release.Id,
            ["url"] = api,
            ["assets_url"] = api + "/assets",
            ["upload_url"] = Url(UploadHost, $"{UploadPrefix.TrimStart('/')}{(UploadPrefix.Length > 0 ? "/" : "")}repos/{Owner}/{Repo}/releases/{release.Id}/assets").AbsoluteUri + "{?name,label}",
            ["html_url"] = Url(WebHost, $"{Owner}/{Repo}/releases/tag/{htmlTag}").AbsoluteUri,
            ["tag_name"] = release.Tag,
            ["target_commitish"] = "main",
            ["name"] = release.Tag,
            ["body"] = "",
            ["draft"] = release.Draft,
            ["prerelease"] = false,
            ["immutable"] = release.Immutable,
            ["created_at"] = "2026-11-28T08:00:00Z",
            ["published_at"] = release.Draft ? null : "2026-11-28T08:00:00Z",
            ["assets"] = new JsonArray(Assets(release).Select(a => AssetJson(release, a)).ToArray<JsonNode?>()),
        };
    }

    private JsonObject AssetJson(StubRelease release, StubAsset asset) => new()
    {
        ["id"] = asset.Id,
        ["node_id"] = "RA_" + asset.Id,
        ["url"] = Url(ApiHost, $"{ApiPrefix.TrimStart('/')}{(ApiPrefix.Length > 0 ? "/" : "")}repos/{Owner}/{Repo}/releases/assets/{asset.Id}").AbsoluteUri,
        ["browser_download_url"] = Url(WebHost, $"{Owner}/{Repo}/releases/download/{release.Tag}/{asset.Name}").AbsoluteUri,
        ["name"] = asset.Name,
        ["label"] = "",
        ["state"] = asset.State,
        ["content_type"] = "application/octet-stream",
        ["size"] = asset.Size,
        ["digest"] = asset.Sha256 is null ? null : "sha256:" + asset.Sha256,
        ["download_count"] = 0,
        ["created_at"] = "2026-11-28T08:00:00Z",
        ["updated_at"] = "2026-11-28T08:00:00Z",
    };

    [GeneratedRegex(@"/releases/tags/([^/]+)$")]
    private static partial Regex TagPath();

    [GeneratedRegex(@"/releases/(\d+)/assets$")]
    private static partial Regex AssetsPath();

    [GeneratedRegex(@"/releases/assets/(\d+)$")]
    private static partial Regex AssetPath();

    [GeneratedRegex(@"/repos/octo-org/mcastlab/releases/(\d+)/assets$")]
    private static partial Regex UploadPath();

    [GeneratedRegex(@"/releases/(\d+)$")]
    private static partial Regex ReleasePath();

    [GeneratedRegex(@"^/storage/(\d+)$")]
    private static partial Regex StoragePath();

    [GeneratedRegex(@"^/octo-org/mcastlab/releases/download/([^/]+)/([^/]+)$")]
    private static partial Regex DownloadPath();

    private sealed record Fault(string Method, string PathContains, int Status, (string Name, string Value)[] Headers, string Message);
}

public sealed class StubRelease(long id, string tag)
{
    public long Id { get; } = id;
    public string Tag { get; } = tag;
    public bool Draft { get; set; }
    public bool Immutable { get; set; }

    /// <summary>The make_latest the release was published with ("true", "false", "legacy"), if any.</summary>
    public string? MakeLatest { get; set; }

    public List<StubAsset> Assets { get; } = [];
}

public sealed record StubAsset(long Id, string Name, long Size, string? Sha256, byte[]? Content)
{
    /// <summary>GitHub's asset state: "uploaded", or "starter" for what a failed upload left.</summary>
    public string State { get; init; } = "uploaded";

    public string Text => Encoding.UTF8.GetString(Content ?? []);
}

/// <summary>What the pipeline sent: method, path with query, headers and (when small) the body.</summary>
public sealed class RecordedRequest(string method, string host, string pathAndQuery, IReadOnlyDictionary<string, string> headers, DateTimeOffset at)
{
    public string Method { get; } = method;
    public string Host { get; } = host;
    public string PathAndQuery { get; } = pathAndQuery;
    public IReadOnlyDictionary<string, string> Headers { get; } = headers;
    public DateTimeOffset At { get; } = at;
    public long BodyLength { get; set; }
    public string? BodySha256 { get; set; }
    public byte[]? Body { get; set; }
}
