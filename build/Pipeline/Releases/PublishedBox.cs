using System.Text.Json;
using System.Text.Json.Serialization;
using McastLab.Pipeline.Boxes;

namespace McastLab.Pipeline.Releases;

/// <summary>
/// One box as published in one release. Each release carries the list of its boxes as the asset
/// <see cref="ManifestAssetName"/>, so the catalog of every version can be rebuilt from the releases alone.
/// </summary>
public sealed record PublishedBox(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("tag")] string Tag,
    [property: JsonPropertyName("asset")] string Asset,
    [property: JsonPropertyName("sha256")] string Sha256)
{
    public const string ManifestAssetName = "mcastlab-boxes.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static string ToManifest(IEnumerable<PublishedBox> boxes) => JsonSerializer.Serialize(boxes.ToList(), Options) + "\n";

    public static IReadOnlyList<PublishedBox> FromManifest(string json) =>
        JsonSerializer.Deserialize<List<PublishedBox>>(json, Options) ?? [];

    /// <summary>The release asset of the catalog of one box name, such as docker-centos7.metadata.json.</summary>
    public static string CatalogAssetName(string boxName) => boxName[(boxName.LastIndexOf('/') + 1)..] + ".metadata.json";

    /// <summary>This box in a Vagrant catalog: downloaded from its release.</summary>
    public BoxCatalog.Entry CatalogEntry(ReleaseDownloads downloads) => new(Name, Version, Provider, downloads.Url(Tag, Asset), Sha256);
}
