using McastLab.Pipeline.Core;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// Vagrant box catalogs (metadata.json): per box name, every published version with its providers, the release
/// download URL and the sha256. Vagrant 2.3 takes a catalog from a local file or a server that sends JSON,
/// not from a release asset (sent as application/octet-stream), hence the README's download-then-add path.
/// </summary>
public static class BoxCatalog
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>The asset name of the catalog of one box name, such as docker-centos7.metadata.json.</summary>
    public static string AssetName(string boxName) => boxName[(boxName.LastIndexOf('/') + 1)..] + ".metadata.json";

    /// <summary>One catalog per box name, as (asset name, JSON text).</summary>
    public static IReadOnlyList<(string AssetName, string Json)> Build(IEnumerable<PublishedBox> boxes, ReleaseDownloads downloads) =>
        boxes.GroupBy(b => b.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (AssetName(g.Key), JsonSerializer.Serialize(new Catalog(
                g.Key,
                g.GroupBy(b => b.Version, StringComparer.Ordinal)
                    .OrderBy(v => ReleaseVersion.TryParse("v" + v.Key, out var parsed) ? parsed.Order : default)
                    .Select(v => new CatalogVersion(v.Key, v
                        .OrderBy(b => b.Provider, StringComparer.Ordinal)
                        .Select(b => new CatalogProvider(b.Provider, downloads.Url(b.Tag, b.Asset).AbsoluteUri, "sha256", b.Sha256))
                        .ToList()))
                    .ToList()), Options) + "\n"))
            .ToList();

    private sealed record Catalog(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("versions")] IReadOnlyList<CatalogVersion> Versions);

    private sealed record CatalogVersion(
        [property: JsonPropertyName("version")] string Version,
        [property: JsonPropertyName("providers")] IReadOnlyList<CatalogProvider> Providers);

    private sealed record CatalogProvider(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("url")] string Url,
        [property: JsonPropertyName("checksum_type")] string ChecksumType,
        [property: JsonPropertyName("checksum")] string Checksum);
}
