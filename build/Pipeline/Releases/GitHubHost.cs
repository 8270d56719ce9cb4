namespace McastLab.Pipeline.Releases;

/// <summary>
/// The three GitHub layouts by API URL. github.com: API api.github.com, uploads uploads.github.com, web github.com.
/// Enterprise Cloud with data residency: api.SUBDOMAIN.ghe.com, uploads.SUBDOMAIN.ghe.com, SUBDOMAIN.ghe.com
/// (no /api/v3). Enterprise Server: one host, API under /api/v3/, uploads under /api/uploads/. Upload URLs are
/// taken from the release (upload_url), so only the API root and the web root are derived here.
/// </summary>
public static class GitHubHost
{
    private const string DataResidencySuffix = ".ghe.com";

    /// <summary>api.github.com or api.SUBDOMAIN.ghe.com: the REST API at the host's root.</summary>
    public static bool IsCloudApi(Uri api) =>
        string.Equals(api.Host, "api.github.com", StringComparison.OrdinalIgnoreCase) || DataResidencySubdomain(api) is not null;

    /// <summary>Where release downloads are served: github.com, SUBDOMAIN.ghe.com, or the Enterprise Server itself.</summary>
    public static Uri WebRoot(Uri api)
    {
        if (string.Equals(api.Host, "api.github.com", StringComparison.OrdinalIgnoreCase)) return new Uri("https://github.com/");
        if (DataResidencySubdomain(api) is { } subdomain)
        {
            return new UriBuilder(api.Scheme, subdomain + DataResidencySuffix, api.IsDefaultPort ? -1 : api.Port).Uri;
        }
        return new Uri(api.GetLeftPart(UriPartial.Authority) + "/");
    }

    private static string? DataResidencySubdomain(Uri api)
    {
        var host = api.Host.ToLowerInvariant();
        if (!host.StartsWith("api.", StringComparison.Ordinal) || !host.EndsWith(DataResidencySuffix, StringComparison.Ordinal)) return null;
        var subdomain = host["api.".Length..^DataResidencySuffix.Length];
        return subdomain.Length > 0 && !subdomain.Contains('.', StringComparison.Ordinal) ? subdomain : null;
    }
}
