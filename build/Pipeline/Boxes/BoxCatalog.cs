using System.Text.Json;
using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Boxes;

/// <summary>
/// A Vagrant box catalog (metadata.json): the box's name and, per version, each provider's box file URL
/// with its sha256. `vagrant box add --force metadata.json` registers the box under its name and version
/// and checks the sha256 (a catalog served from a release URL is not read as one by Vagrant 2.3, a file is).
/// </summary>
public sealed record BoxCatalog(string Name, IReadOnlyList<BoxCatalog.CatalogVersion> Versions)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public sealed record CatalogVersion(string Version, IReadOnlyList<CatalogProvider> Providers);

    public sealed record CatalogProvider(string Name, string Url, string ChecksumType, string Checksum);

    /// <summary>The catalog of the builds of one box (any providers), versions oldest first; box files are
    /// referenced by absolute file URL from the directory the metadata files sit in.</summary>
    public static BoxCatalog From(IReadOnlyCollection<BoxMetadata> builds, string boxesDirectory)
    {
        var names = builds.Select(b => b.Name).Distinct().ToList();
        if (names.Count != 1) throw new ArgumentException("A catalog holds the builds of exactly one box.", nameof(builds));
        var versions = builds
            .GroupBy(b => b.Version)
            .OrderBy(g => g.Min(b => b.BuildTime))
            .Select(g => new CatalogVersion(g.Key, g
                .OrderBy(b => b.Provider, StringComparer.Ordinal)
                .Select(b => new CatalogProvider(b.Provider, new Uri(Path.GetFullPath(Path.Combine(boxesDirectory, b.BoxFile))).AbsoluteUri, "sha256", b.Sha256))
                .ToList()))
            .ToList();
        return new BoxCatalog(names[0], versions);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, ToJson() + "\n");
    }
}
