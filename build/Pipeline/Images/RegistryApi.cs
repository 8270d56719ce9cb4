using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace McastLab.Pipeline.Images;

/// <summary>One entry of an image index or manifest list: a manifest's digest and the platform it is for.</summary>
public sealed record PlatformManifest(string Digest, string MediaType, string Os, string Architecture, string? Variant);

/// <summary>
/// A manifest as the registry serves it: its digest (sha256 of the bytes), media type, and either the config
/// digest (an image manifest) or the entries (an OCI image index or a Docker manifest list; ConfigDigest null).
/// </summary>
public sealed record RegistryManifest(string Digest, string MediaType, string? ConfigDigest, string? HeaderDigest, IReadOnlyList<PlatformManifest> Manifests)
{
    public bool IsIndex => RegistryApi.IndexMediaTypes.Contains(MediaType, StringComparer.Ordinal) || ConfigDigest is null;
}

/// <summary>
/// Reads images back over a registry's HTTP API (distribution spec v2): ping, manifest (single, OCI index or
/// Docker manifest list), config blob. Speaks plain HTTP to the registries the engine pushes to over plain HTTP
/// (loopback ones, and those its <see cref="EngineRegistryConfig"/> marks insecure) and HTTPS to every other; a
/// registry that answers HTTPS with plain HTTP is named in one sentence. Answers Basic and Bearer (token)
/// challenges with the user and password when given, as ghcr.io and Docker Hub ask.
/// </summary>
public sealed class RegistryApi : IDisposable
{
    public static readonly string[] ImageMediaTypes =
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ];

    /// <summary>
    /// Multi-platform forms, which the containerd image store of newer engines pushes. Without them in Accept a
    /// registry answers an OCI index with 404 and swaps a manifest list for one platform's manifest.
    /// </summary>
    public static readonly string[] IndexMediaTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ];

    public static readonly string[] ManifestMediaTypes = [.. ImageMediaTypes, .. IndexMediaTypes];

    private readonly HttpClient http;
    private readonly string? user;
    private readonly string? password;

    public RegistryApi(string registry, string? user = null, string? password = null, TimeSpan? timeout = null, EngineRegistryConfig? engine = null)
    {
        Registry = registry;
        this.user = user;
        this.password = password;
        BaseAddress = new Uri($"{((engine ?? EngineRegistryConfig.Default).IsInsecure(registry) ? "http" : "https")}://{ApiHost(registry)}/");
        http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    /// <summary>The name images are pushed under (docker.io, ghcr.io, 127.0.0.1:5000).</summary>
    public string Registry { get; }

    /// <summary>Where its HTTP API answers: Docker Hub's is registry-1.docker.io, not docker.io (the web site).</summary>
    public Uri BaseAddress { get; }

    public static string ApiHost(string registry) =>
        registry.ToLowerInvariant() is "docker.io" or "index.docker.io" or "registry.hub.docker.com" ? "registry-1.docker.io" : registry;

    /// <summary>The repository path the API expects: Docker Hub keeps official images under library/.</summary>
    public string ApiRepository(string repository) =>
        ApiHost(Registry) == "registry-1.docker.io" && !repository.Contains('/', StringComparison.Ordinal) ? "library/" + repository : repository;

    /// <summary>True for 127.0.0.0/8, ::1 and localhost: the engine pushes to those over plain HTTP.</summary>
    public static bool IsLoopback(string registry)
    {
        var host = new Uri("http://" + registry).Host.Trim('[', ']');
        return host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>True when something that speaks the registry API answers /v2/ (200, or 401 asking for a login).</summary>
    public async Task<bool> AnswersAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, "v2/"));
            using var response = await http.SendAsync(request, cancellationToken);
            return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized
                   && response.Headers.TryGetValues("Docker-Distribution-Api-Version", out var versions)
                   && versions.Any(v => v.StartsWith("registry/2", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A manifest by tag or digest, in whatever form the registry holds it (image manifest, index or list).</summary>
    public async Task<RegistryManifest> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        repository = ApiRepository(repository);
        var (bytes, headers, contentType) = await GetAsync($"v2/{repository}/manifests/{reference}", ManifestMediaTypes, repository, cancellationToken);
        using var json = JsonDocument.Parse(bytes);
        var root = json.RootElement;
        var mediaType = root.TryGetProperty("mediaType", out var type) ? type.GetString() ?? "" : contentType ?? "";
        var headerDigest = headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        if (root.TryGetProperty("manifests", out var entries) && entries.ValueKind == JsonValueKind.Array)
        {
            var manifests = entries.EnumerateArray().Select(e => new PlatformManifest(
                e.GetProperty("digest").GetString() ?? "",
                e.TryGetProperty("mediaType", out var m) ? m.GetString() ?? "" : "",
                e.TryGetProperty("platform", out var p) && p.TryGetProperty("os", out var os) ? os.GetString() ?? "" : "",
                e.TryGetProperty("platform", out p) && p.TryGetProperty("architecture", out var arch) ? arch.GetString() ?? "" : "",
                e.TryGetProperty("platform", out p) && p.TryGetProperty("variant", out var variant) ? variant.GetString() : null)).ToList();
            return new RegistryManifest(Sha256(bytes), mediaType, null, headerDigest, manifests);
        }
        if (!root.TryGetProperty("config", out var config) || !config.TryGetProperty("digest", out var digest) || digest.GetString() is not { } configDigest)
        {
            throw new InvalidDataException($"The manifest of {repository}:{reference} ({mediaType}) names neither a config nor manifests.");
        }
        return new RegistryManifest(Sha256(bytes), mediaType, configDigest, headerDigest, []);
    }

    /// <summary>The image config blob; its digest is checked against the bytes received.</summary>
    public async Task<JsonDocument> GetConfigAsync(string repository, string digest, CancellationToken cancellationToken = default)
    {
        repository = ApiRepository(repository);
        var (bytes, _, _) = await GetAsync($"v2/{repository}/blobs/{digest}", ["application/octet-stream", "*/*"], repository, cancellationToken);
        if (Sha256(bytes) != digest)
        {
            throw new InvalidDataException($"The registry sent a config blob for {digest} whose digest is {Sha256(bytes)}.");
        }
        return JsonDocument.Parse(bytes);
    }

    public static string Sha256(byte[] bytes) => "sha256:" + Core.Sha256.OfBytes(bytes);

    private async Task<(byte[] Body, HttpResponseHeaders Headers, string? ContentType)> GetAsync(string path, IReadOnlyList<string> accept, string repository, CancellationToken cancellationToken)
    {
        AuthenticationHeaderValue? authorization = null;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, path));
            foreach (var type in accept) request.Headers.Accept.ParseAdd(type);
            request.Headers.Authorization = authorization;
            using var response = await SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
            {
                authorization = await AnswerChallengeAsync(response, repository, cancellationToken);
                if (authorization is not null) continue;
            }
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new HttpRequestException($"GET {request.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}", null, response.StatusCode);
            }
            return (await response.Content.ReadAsByteArrayAsync(cancellationToken), response.Headers, response.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>
    /// Sends over the chosen scheme. When TLS cannot start because the other end speaks plain HTTP (the engine's
    /// own error for this is "server gave HTTP response to HTTPS client"), says so in one sentence.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError && BaseAddress.Scheme == Uri.UriSchemeHttps)
        {
            if (await SpeaksPlainHttpAsync(cancellationToken)) throw new Core.PipelineException($"Reading {request.RequestUri} failed: {PlainHttpAdvice}, then run again.", e);
            throw;
        }
    }

    private string PlainHttpAdvice => EngineRegistryConfig.PlainHttpAdvice(Registry);

    /// <summary>True when a registry answers /v2/ over plain HTTP at the same host and port.</summary>
    private async Task<bool> SpeaksPlainHttpAsync(CancellationToken cancellationToken)
    {
        var plain = new UriBuilder(BaseAddress) { Scheme = Uri.UriSchemeHttp, Port = BaseAddress.IsDefaultPort ? 80 : BaseAddress.Port }.Uri;
        try
        {
            using var probe = new HttpRequestMessage(HttpMethod.Get, new Uri(plain, "v2/"));
            using var response = await http.SendAsync(probe, cancellationToken);
            return response.Headers.Contains("Docker-Distribution-Api-Version");
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<AuthenticationHeaderValue?> AnswerChallengeAsync(HttpResponseMessage response, string repository, CancellationToken cancellationToken)
    {
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge is null) return null;
        var basic = user is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return basic is null ? null : new AuthenticationHeaderValue("Basic", basic);
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return null;

        var fields = ChallengeFields(challenge.Parameter ?? "");
        if (!fields.TryGetValue("realm", out var realm)) return null;
        var query = new List<string>();
        if (fields.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        query.Add("scope=" + Uri.EscapeDataString(fields.TryGetValue("scope", out var scope) ? scope : $"repository:{repository}:pull"));
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query));
        if (basic is not null) tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        using var tokenResponse = await http.SendAsync(tokenRequest, cancellationToken);
        if (!tokenResponse.IsSuccessStatusCode) return null;
        using var json = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(cancellationToken));
        var token = json.RootElement.TryGetProperty("token", out var t) ? t.GetString()
            : json.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        return token is null ? null : new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>realm="https://ghcr.io/token",service="ghcr.io",scope="repository:x:pull" → fields.</summary>
    internal static Dictionary<string, string> ChallengeFields(string parameter)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            var equals = parameter.IndexOf('=', i);
            if (equals < 0) break;
            var key = parameter[i..equals].Trim(' ', ',');
            string value;
            if (equals + 1 < parameter.Length && parameter[equals + 1] == '"')
            {
                var close = parameter.IndexOf('"', equals + 2);
                if (close < 0) close = parameter.Length;
                value = parameter[(equals + 2)..close];
                i = close + 1;
            }
            else
            {
                var comma = parameter.IndexOf(',', equals);
                if (comma < 0) comma = parameter.Length;
                value = parameter[(equals + 1)..comma];
                i = comma;
            }
            fields[key] = value;
            while (i < parameter.Length && parameter[i] is ',' or ' ') i++;
        }
        return fields;
    }

    public void Dispose() => http.Dispose();
}
