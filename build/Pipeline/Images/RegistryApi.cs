using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace McastLab.Pipeline.Images;

/// <summary>A manifest as the registry serves it: its digest (sha256 of the bytes), media type and config digest.</summary>
public sealed record RegistryManifest(string Digest, string MediaType, string ConfigDigest, string? HeaderDigest);

/// <summary>
/// Reads images back over a registry's HTTP API (distribution spec v2): ping, manifest, config blob. Speaks
/// plain HTTP to loopback registries and HTTPS elsewhere; answers Basic and Bearer (token) challenges with
/// the user and password when given, as ghcr.io and Docker Hub ask.
/// </summary>
public sealed class RegistryApi : IDisposable
{
    public static readonly string[] ManifestMediaTypes =
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ];

    private readonly HttpClient http;
    private readonly string? user;
    private readonly string? password;
    private readonly Uri baseAddress;

    public RegistryApi(string registry, string? user = null, string? password = null, TimeSpan? timeout = null)
    {
        Registry = registry;
        this.user = user;
        this.password = password;
        baseAddress = new Uri($"{(IsLoopback(registry) ? "http" : "https")}://{registry}/");
        http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    public string Registry { get; }

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
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, "v2/"));
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

    public async Task<RegistryManifest> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        var (bytes, headers) = await GetAsync($"v2/{repository}/manifests/{reference}", ManifestMediaTypes, repository, cancellationToken);
        using var json = JsonDocument.Parse(bytes);
        var mediaType = json.RootElement.TryGetProperty("mediaType", out var type) ? type.GetString() ?? "" : "";
        var config = json.RootElement.GetProperty("config").GetProperty("digest").GetString()
            ?? throw new InvalidDataException($"The manifest of {repository}:{reference} names no config.");
        var headerDigest = headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        return new RegistryManifest(Sha256(bytes), mediaType, config, headerDigest);
    }

    /// <summary>The image config blob; its digest is checked against the bytes received.</summary>
    public async Task<JsonDocument> GetConfigAsync(string repository, string digest, CancellationToken cancellationToken = default)
    {
        var (bytes, _) = await GetAsync($"v2/{repository}/blobs/{digest}", ["application/octet-stream", "*/*"], repository, cancellationToken);
        if (Sha256(bytes) != digest)
        {
            throw new InvalidDataException($"The registry sent a config blob for {digest} whose digest is {Sha256(bytes)}.");
        }
        return JsonDocument.Parse(bytes);
    }

    public static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<(byte[] Body, HttpResponseHeaders Headers)> GetAsync(string path, IReadOnlyList<string> accept, string repository, CancellationToken cancellationToken)
    {
        AuthenticationHeaderValue? authorization = null;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, path));
            foreach (var type in accept) request.Headers.Accept.ParseAdd(type);
            request.Headers.Authorization = authorization;
            using var response = await http.SendAsync(request, cancellationToken);
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
            return (await response.Content.ReadAsByteArrayAsync(cancellationToken), response.Headers);
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
